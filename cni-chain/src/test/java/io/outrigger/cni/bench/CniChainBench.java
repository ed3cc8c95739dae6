package io.outrigger.cni.bench;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.outrigger.cni.json.Json;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Load harness (not a test; run by the {@code cni-bench} profile, see bench/README.md): the same
 * CNI chain a runtime runs for a pod (loopback, then bridge + host-local, then portmap, then X),
 * with X = Istio's {@code istio-cni} plugin, X = {@code outrigger-cni}, and no X (the bridge chain
 * alone), the three interleaved pod by pod in one run. Every plugin is exec'd exactly as a runtime
 * does (CNI_* environment, configuration on stdin, the previous plugin's result as prevResult); DEL
 * runs the chain in reverse. Both meshed chains get the same pod: an object in a real
 * kube-apiserver (test tier 4) with an {@code istio-proxy} container and the injection status
 * annotations; istio-cni reads it from the API server (its only source), outrigger-cni gets the
 * annotations from the runtime ({@code io.kubernetes.cri.pod-annotations}, as containerd and CRI-O
 * pass them). Each ADD is checked afterwards (untimed): the meshed chains must have left their
 * capture chains in the pod's nat table, the bridge chain none. Peak RSS and CPU time of each X are
 * measured on extra pods under GNU time and bash {@code time} (excluded from the latency figures).
 *
 * <p>Arguments: the outrigger-cni image directory, the number of pods per chain, istio-cni's binary
 * (scripts/istio/build.sh istio-cni; without it the istio-cni chain is left out, loudly), and
 * optionally a second outrigger-cni image (an earlier build, copied elsewhere) run as a fourth
 * chain: a change to the plugin measured before and after in the same run.
 */
public final class CniChainBench {
  private static final int WARMUP = 5;
  private static final int EXTRA_PODS = 10;
  private static final long PLUGIN_TIMEOUT_SECONDS = 30;
  private static final String NAMESPACE = "cni-bench";
  private static final Map<String, String> MESHED_ANNOTATIONS =
      Map.of(
          "sidecar.istio.io/status",
          "{\"initContainers\":null,\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\"],"
              + "\"imagePullSecrets\":null,\"revision\":\"default\"}",
          "outrigger.io/status",
          "{}");

  private final Path work;
  private final PodNetwork network;
  private final List<Chain> chains = new ArrayList<>();
  private final List<String> netnsNames = new ArrayList<>();

  private CniChainBench(Path work, PodNetwork network) {
    this.work = work;
    this.network = network;
  }

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int pods = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Path istioCni = optionalPath(args, 2);
    if (istioCni != null && !Files.isExecutable(istioCni)) {
      throw new IllegalArgumentException(
          "istio-cni binary " + istioCni + " is not executable (scripts/istio/build.sh istio-cni)");
    }
    if (istioCni == null) {
      System.out.println(
          "WARNING: no istio-cni binary given: the istio-cni chain is left out of this run"
              + " (bench/cni-chain.sh builds it with scripts/istio/build.sh istio-cni)");
    }
    Path baseline = optionalPath(args, 3);
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local", "portmap");
    Path work = Files.createTempDirectory("outrigger-cni-bench");
    // Under the bench lock by now: the script's own figure is from before it waited for the lock.
    System.out.println("load average at the start: " + loadAverage());
    try (PodNetwork network = PodNetwork.create();
        KubeApiServer kube =
            istioCni == null ? null : KubeApiServer.start(Prerequisites.requireKubeApiServer())) {
      CniChainBench bench = new CniChainBench(work, network);
      try {
        bench.chains.add(bench.bridgeOnly());
        bench.chains.add(bench.outrigger("outrigger-cni", image.resolve("outrigger-cni")));
        if (baseline != null) {
          bench.chains.add(bench.outrigger("ortg-baseline", baseline.resolve("outrigger-cni")));
        }
        if (kube != null) {
          bench.chains.add(bench.istio(istioCni, kube, pods + WARMUP + 2 * EXTRA_PODS));
        }
        bench.run(pods);
      } finally {
        bench.cleanup();
      }
    } finally {
      io.outrigger.cni.testing.TempDirs.delete(work);
    }
  }

  /** Argument {@code i} as a path; absent, blank or "none" means not given. */
  private static Path optionalPath(String[] args, int i) {
    return args.length > i && !args[i].isBlank() && !args[i].equals("none")
        ? Path.of(args[i])
        : null;
  }

  // ---- the three chains ------------------------------------------------------------------------

  private Chain bridgeOnly() {
    return new Chain("bridge alone", null, null, null);
  }

  private Chain outrigger(String name, Path plugin) {
    if (!Files.isExecutable(plugin)) {
      throw new IllegalArgumentException(name + ": " + plugin + " is not an executable");
    }
    String conf =
        "{\"type\":\"outrigger-cni\",\"log_file\":\""
            + work.resolve("outrigger-cni.log")
            + "\",\"capabilities\":{\"io.kubernetes.cri.pod-annotations\":true}}";
    return new Chain(name, plugin, conf, ":OUTRIGGER_OUTPUT ");
  }

  /**
   * istio-cni as Istio's node agent installs it: its kubeconfig in its run directory, the agent's
   * namespace and the excluded ones in its configuration, sidecar mode. The pods it will be asked
   * about are created in the API server first (one per pod name the run uses).
   */
  private Chain istio(Path plugin, KubeApiServer kube, int podObjects) throws IOException {
    Path agentDir = Files.createDirectories(work.resolve("istio-cni-agent"));
    kube.writeKubeconfig(agentDir.resolve("istio-cni-kubeconfig"), kube.adminToken());
    try (KubeTestCluster cluster = new KubeTestCluster(kube, work)) {
      cluster.serviceAccount(NAMESPACE, "default");
      for (int i = 0; i < podObjects; i++) {
        createMeshedPod(cluster, podName(i));
      }
    }
    String conf =
        "{\"type\":\"istio-cni\",\"plugin_log_level\":\"info\",\"cni_agent_run_dir\":\""
            + agentDir
            + "\",\"ambient_enabled\":false,\"pod_namespace\":\"istio-system\","
            + "\"exclude_namespaces\":[\"istio-system\",\"kube-system\"]}";
    return new Chain("istio-cni", plugin, conf, ":ISTIO_OUTPUT ");
  }

  /** What the sidecar injector leaves in a pod: the proxy container and the status annotation. */
  private static void createMeshedPod(KubeTestCluster cluster, String name) {
    cluster
        .admin()
        .pods()
        .inNamespace(NAMESPACE)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withAnnotations(MESHED_ANNOTATIONS)
                .endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .addNewContainer()
                .withName("app")
                .withImage("registry.invalid/never-pulled:1")
                .endContainer()
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("registry.invalid/never-pulled-proxy:1")
                .withArgs("proxy", "sidecar")
                .withNewSecurityContext()
                .withRunAsUser(1337L)
                .withRunAsGroup(1337L)
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  private static String podName(int i) {
    return "bench-" + i;
  }

  // ---- the run ---------------------------------------------------------------------------------

  private void run(int pods) {
    for (int i = -WARMUP; i < pods; i++) {
      String podName = podName(i + WARMUP);
      // Rotate which chain goes first, so none always runs right after another's DEL.
      List<Chain> order = rotated(i + WARMUP);
      List<Pod> round = new ArrayList<>();
      for (Chain chain : order) {
        Pod pod = newPod(chain, podName, "p" + (i + WARMUP));
        chain.add(pod, i >= 0 ? Measure.TIME : Measure.NONE);
        chain.checkCapture(pod);
        round.add(pod);
      }
      for (Pod pod : round) {
        pod.chain.del(pod, i >= 0 ? Measure.TIME : Measure.NONE);
        deleteNetns(pod.netns);
      }
    }
    for (int i = 0; i < EXTRA_PODS; i++) {
      for (Measure measure : List.of(Measure.RSS, Measure.CPU)) {
        String podName = podName(pods + WARMUP + i + (measure == Measure.CPU ? EXTRA_PODS : 0));
        for (Chain chain : chains) {
          if (chain.plugin == null) {
            continue;
          }
          Pod pod = newPod(chain, podName, (measure == Measure.RSS ? "r" : "c") + i);
          chain.add(pod, measure);
          chain.del(pod, measure);
          deleteNetns(pod.netns);
        }
      }
    }
    report(pods);
  }

  private List<Chain> rotated(int round) {
    List<Chain> order = new ArrayList<>();
    for (int k = 0; k < chains.size(); k++) {
      order.add(chains.get((round + k) % chains.size()));
    }
    return order;
  }

  private void report(int pods) {
    System.out.printf(
        "pods=%d per chain (after %d warm-up pods each), interleaved; chain = loopback, bridge +"
            + " host-local, portmap, X%n",
        pods, WARMUP);
    System.out.printf(
        "%-14s %9s %9s %9s %9s | %9s %9s %9s %9s%n",
        "X",
        "ADD p50",
        "ADD p99",
        "X ADD p50",
        "X ADD p99",
        "DEL p50",
        "DEL p99",
        "X DEL p50",
        "X DEL p99");
    for (Chain c : chains) {
      System.out.printf(
          "%-14s %9.1f %9.1f %9s %9s | %9.1f %9.1f %9s %9s%n",
          c.name,
          pct(c.addChain, 50),
          pct(c.addChain, 99),
          c.plugin == null ? "-" : String.format("%.1f", pct(c.addX, 50)),
          c.plugin == null ? "-" : String.format("%.1f", pct(c.addX, 99)),
          pct(c.delChain, 50),
          pct(c.delChain, 99),
          c.plugin == null ? "-" : String.format("%.1f", pct(c.delX, 50)),
          c.plugin == null ? "-" : String.format("%.1f", pct(c.delX, 99)));
    }
    Chain bridge = chains.get(0);
    for (Chain c : chains.subList(1, chains.size())) {
      System.out.printf(
          "%s: chain ADD p50 / bridge alone %.2f, DEL %.2f; its own ADD adds %.1f ms p50"
              + " (chain p50 difference %.1f ms); peak RSS ADD %d KiB, DEL %d KiB;"
              + " CPU (user+sys, p50 of %d) ADD %.1f ms, DEL %.1f ms%n",
          c.name,
          pct(c.addChain, 50) / pct(bridge.addChain, 50),
          pct(c.delChain, 50) / pct(bridge.delChain, 50),
          pct(c.addX, 50),
          pct(c.addChain, 50) - pct(bridge.addChain, 50),
          c.rssAddKb,
          c.rssDelKb,
          EXTRA_PODS,
          pct(c.cpuAdd, 50),
          pct(c.cpuDel, 50));
    }
    Chain ours = chains.get(1);
    for (Chain other : chains.subList(2, chains.size())) {
      System.out.printf(
          "outrigger-cni / %s: own ADD p50 %.2f, p99 %.2f; chain ADD p50 %.2f; own DEL p50"
              + " %.2f; peak RSS %.2f%n",
          other.name,
          pct(ours.addX, 50) / pct(other.addX, 50),
          pct(ours.addX, 99) / pct(other.addX, 99),
          pct(ours.addChain, 50) / pct(other.addChain, 50),
          pct(ours.delX, 50) / pct(other.delX, 50),
          (double) ours.rssAddKb / other.rssAddKb);
    }
    System.out.println("load average at the end: " + loadAverage());
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Nearest-rank percentile, in ms. */
  private static double pct(List<Long> nanos, int p) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  // ---- pods and plugin calls -------------------------------------------------------------------

  private Pod newPod(Chain chain, String podName, String suffix) {
    String netns =
        "ortgbench-" + ProcessHandle.current().pid() + "-" + chain.shortName() + "-" + suffix;
    check(exec(List.of("ip", "netns", "add", netns), null), "ip netns add " + netns);
    netnsNames.add(netns);
    return new Pod(chain, netns, podName);
  }

  private void deleteNetns(String netns) {
    check(exec(List.of("ip", "netns", "delete", netns), null), "ip netns delete " + netns);
    netnsNames.remove(netns);
  }

  private void cleanup() {
    for (String name : List.copyOf(netnsNames)) {
      exec(List.of("ip", "netns", "delete", name), null);
    }
  }

  private String bridgeConf() {
    return "{\"type\":\"bridge\",\"bridge\":\""
        + network.bridgeName()
        + "\",\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\""
        + work.resolve("ipam")
        + "\",\"ranges\":[[{\"subnet\":\""
        + network.subnet()
        + "\",\"gateway\":\""
        + network.gateway()
        + "\"}]]}}";
  }

  /** A plugin's configuration as libcni hands it over: the network's name and version added. */
  private static String networkConf(
      String pluginConf, String prevResult, Map<String, String> runtime) {
    Map<String, Object> conf = new LinkedHashMap<>(Json.parseObject(pluginConf));
    conf.put("cniVersion", "1.0.0");
    conf.put("name", "bench");
    if (!runtime.isEmpty()) {
      Map<String, Object> rc = new LinkedHashMap<>();
      rc.put("io.kubernetes.cri.pod-annotations", runtime);
      conf.put("runtimeConfig", rc);
    }
    if (prevResult != null) {
      conf.put("prevResult", Json.parse(prevResult));
    }
    return Json.write(conf);
  }

  private static Result check(Result r, String what) {
    if (r.exit != 0) {
      throw new IllegalStateException(what + ": exit " + r.exit + ": " + r.stdout + r.stderr);
    }
    return r;
  }

  private record Result(int exit, String stdout, String stderr, long nanos) {}

  /**
   * Runs a program with exactly {@code env} (no inherited variables), feeding {@code stdin};
   * returns its output and the wall time from start to exit.
   */
  private Result exec(List<String> command, String stdin, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    Path err = work.resolve("stderr");
    pb.redirectError(err.toFile());
    try {
      long t0 = System.nanoTime();
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // It exited before reading everything; its exit code says why.
      }
      String out;
      try (InputStream o = p.getInputStream()) {
        out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(PLUGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            command + " did not finish in " + PLUGIN_TIMEOUT_SECONDS + " s");
      }
      long nanos = System.nanoTime() - t0;
      return new Result(p.exitValue(), out, Files.readString(err), nanos);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Result exec(List<String> command, String stdin) {
    return exec(command, stdin, null);
  }

  private enum Measure {
    NONE,
    TIME,
    RSS,
    CPU
  }

  /** One pod: its netns, the pod it is for, the chain it runs, and the results it gathered. */
  private static final class Pod {
    final Chain chain;
    final String netns;
    final String name;
    final List<String> results = new ArrayList<>();

    Pod(Chain chain, String netns, String name) {
      this.chain = chain;
      this.netns = netns;
      this.name = name;
    }
  }

  /** loopback, bridge + host-local, portmap, then {@code plugin} (none for the bridge chain). */
  private final class Chain {
    final String name;
    final Path plugin;
    final String pluginConf;
    final String captureMarker;
    final List<Long> addChain = new ArrayList<>();
    final List<Long> addX = new ArrayList<>();
    final List<Long> delChain = new ArrayList<>();
    final List<Long> delX = new ArrayList<>();
    final List<Long> cpuAdd = new ArrayList<>();
    final List<Long> cpuDel = new ArrayList<>();
    long rssAddKb;
    long rssDelKb;

    Chain(String name, Path plugin, String pluginConf, String captureMarker) {
      this.name = name;
      this.plugin = plugin;
      this.pluginConf = pluginConf;
      this.captureMarker = captureMarker;
    }

    String shortName() {
      return plugin == null ? "br" : name.substring(0, 2) + chains.indexOf(this);
    }

    /** (binary, configuration) of each plugin, in ADD order. */
    List<String[]> plugins() {
      List<String[]> list = new ArrayList<>();
      list.add(new String[] {"/usr/lib/cni/loopback", "{\"type\":\"loopback\"}"});
      list.add(new String[] {"/usr/lib/cni/bridge", bridgeConf()});
      list.add(
          new String[] {
            "/usr/lib/cni/portmap",
            "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},\"snat\":true}"
          });
      if (plugin != null) {
        list.add(new String[] {plugin.toString(), pluginConf});
      }
      return list;
    }

    void add(Pod pod, Measure measure) {
      List<String[]> plugins = plugins();
      String prev = null;
      long total = 0;
      for (int k = 0; k < plugins.size(); k++) {
        boolean x = plugin != null && k == plugins.size() - 1;
        Result r = call(pod, "ADD", plugins.get(k), prev, x ? measure : Measure.NONE);
        prev = r.stdout;
        pod.results.add(prev);
        total += r.nanos;
        if (x && measure == Measure.TIME) {
          addX.add(r.nanos);
        }
      }
      if (measure == Measure.TIME) {
        addChain.add(total);
      }
    }

    void del(Pod pod, Measure measure) {
      List<String[]> plugins = plugins();
      long total = 0;
      for (int k = plugins.size() - 1; k >= 0; k--) {
        boolean x = plugin != null && k == plugins.size() - 1;
        // DEL gets the cached result of the whole chain's ADD, as libcni passes it.
        Result r =
            call(
                pod,
                "DEL",
                plugins.get(k),
                pod.results.get(pod.results.size() - 1),
                x ? measure : Measure.NONE);
        total += r.nanos;
        if (x && measure == Measure.TIME) {
          delX.add(r.nanos);
        }
      }
      if (measure == Measure.TIME) {
        delChain.add(total);
      }
    }

    /** Untimed: the capture chain is in the pod's nat table exactly when X is a mesh plugin. */
    void checkCapture(Pod pod) {
      Result save =
          check(
              exec(List.of("ip", "netns", "exec", pod.netns, "iptables-save", "-t", "nat"), null),
              "iptables-save in " + pod.netns);
      boolean captured =
          save.stdout.contains(":OUTRIGGER_OUTPUT ") || save.stdout.contains(":ISTIO_OUTPUT ");
      boolean expected = captureMarker != null;
      if (captured != expected || (expected && !save.stdout.contains(captureMarker))) {
        throw new IllegalStateException(
            name
                + " chain, pod "
                + pod.name
                + ": expected "
                + (expected ? captureMarker.strip() + " in" : "no capture chain in")
                + " the pod's nat table, found:\n"
                + save.stdout);
      }
    }

    private Result call(
        Pod pod, String command, String[] pluginAndConf, String prev, Measure measure) {
      String binary = pluginAndConf[0];
      Map<String, String> runtime =
          binary.endsWith("/outrigger-cni") ? MESHED_ANNOTATIONS : Map.of();
      String conf = networkConf(pluginAndConf[1], prev, runtime);
      Map<String, String> env =
          Map.of(
              "PATH",
              "/usr/sbin:/usr/bin:/sbin:/bin",
              "CNI_COMMAND",
              command,
              "CNI_CONTAINERID",
              pod.netns,
              "CNI_NETNS",
              "/var/run/netns/" + pod.netns,
              "CNI_IFNAME",
              "eth0",
              "CNI_PATH",
              "/usr/lib/cni",
              "CNI_ARGS",
              "IgnoreUnknown=1;K8S_POD_NAMESPACE="
                  + NAMESPACE
                  + ";K8S_POD_NAME="
                  + pod.name
                  + ";K8S_POD_INFRA_CONTAINER_ID="
                  + pod.netns);
      Path stats = work.resolve("stats");
      List<String> cmd =
          switch (measure) {
            case RSS -> List.of("/usr/bin/time", "-f", "%M", "-o", stats.toString(), binary);
            // bash's time has millisecond resolution (GNU time's %U/%S have 10 ms) and counts
            // waited-for children.
            case CPU ->
                List.of(
                    "bash",
                    "-c",
                    "TIMEFORMAT='%3U %3S'; { time \"$0\" 2>/dev/null; } 2>\"$1\"",
                    binary,
                    stats.toString());
            default -> List.of(binary);
          };
      Result r =
          check(
              exec(cmd, conf, env),
              Path.of(binary).getFileName() + " " + command + " in " + pod.netns);
      try {
        if (measure == Measure.RSS) {
          long kb =
              Long.parseLong(
                  Files.readString(stats).strip().lines().reduce((a, b) -> b).orElse("0"));
          if (command.equals("ADD")) {
            rssAddKb = Math.max(rssAddKb, kb);
          } else {
            rssDelKb = Math.max(rssDelKb, kb);
          }
        } else if (measure == Measure.CPU) {
          String[] f = Files.readString(stats).strip().split("\\s+");
          long cpu = (long) ((Double.parseDouble(f[0]) + Double.parseDouble(f[1])) * 1e9);
          (command.equals("ADD") ? cpuAdd : cpuDel).add(cpu);
        }
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            measure + " measurement of " + binary + " failed: " + e.getMessage(), e);
      }
      return r;
    }
  }
}
