package io.outrigger.cni.bench;

import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.json.Json;
import io.outrigger.testsupport.PodNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Load harness (not a test; run by the {@code cni-bench} profile, see docs/cni.md): CNI ADD latency
 * of outrigger-cni against the Debian {@code bridge} plugin's own ADD, measured in the same run on
 * the same pods. Each pod is a fresh netns: bridge ADD (veth, host-local IPAM) then outrigger-cni
 * ADD (meshed pod, capture rules) with bridge's result as prevResult, both exec'd exactly as a
 * runtime does. Peak RSS of each plugin is measured on extra pods under GNU time (excluded from the
 * latency numbers). The subnet and bridge name are leased from the test-support PodNetwork so
 * concurrent tests never clash.
 */
public final class CniAddLatencyBench {
  private static final int WARMUP = 5;
  private static final int RSS_PODS = 10;

  private final Path image;
  private final Path work;
  private final PodNetwork network;
  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(30));
  private final List<String> netnsNames = new ArrayList<>();

  private CniAddLatencyBench(Path image, Path work, PodNetwork network) {
    this.image = image;
    this.work = work;
    this.network = network;
  }

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int pods = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Path work = Files.createTempDirectory("outrigger-cni-bench");
    try (PodNetwork network = PodNetwork.create()) {
      CniAddLatencyBench bench = new CniAddLatencyBench(image, work, network);
      try {
        bench.run(pods);
      } finally {
        bench.cleanup();
      }
    } finally {
      io.outrigger.cni.testing.TempDirs.delete(work);
    }
  }

  private void run(int pods) {
    long[] bridge = new long[pods];
    long[] ours = new long[pods];
    for (int i = -WARMUP; i < pods; i++) {
      Pod pod = newPod("p" + (i + WARMUP));
      long t0 = System.nanoTime();
      String prev = pod.add("bridge", bridgeConf(), Measure.NONE);
      long t1 = System.nanoTime();
      pod.add(image.resolve("outrigger-cni").toString(), ourConf(prev), Measure.NONE);
      long t2 = System.nanoTime();
      if (i >= 0) {
        bridge[i] = t1 - t0;
        ours[i] = t2 - t1;
      }
    }
    long bridgeRss = 0;
    long ourRss = 0;
    long[] bridgeCpu = new long[RSS_PODS];
    long[] ourCpu = new long[RSS_PODS];
    for (int i = 0; i < RSS_PODS; i++) {
      Pod pod = newPod("r" + i);
      String out = pod.add("bridge", bridgeConf(), Measure.RSS);
      bridgeRss = Math.max(bridgeRss, pod.lastRssKb);
      pod.add(image.resolve("outrigger-cni").toString(), ourConf(out), Measure.RSS);
      ourRss = Math.max(ourRss, pod.lastRssKb);
      Pod cpu = newPod("c" + i);
      out = cpu.add("bridge", bridgeConf(), Measure.CPU);
      bridgeCpu[i] = cpu.lastCpuNanos;
      cpu.add(image.resolve("outrigger-cni").toString(), ourConf(out), Measure.CPU);
      ourCpu[i] = cpu.lastCpuNanos;
    }
    report(pods, bridge, ours, bridgeRss, ourRss);
    Arrays.sort(bridgeCpu);
    Arrays.sort(ourCpu);
    System.out.printf(
        "CPU time (user+sys of the plugin and its children, bash time, p50 over %d more ADDs; less sensitive to machine load than wall "
            + "time): bridge %.1f ms, outrigger-cni %.1f ms, ratio %.2f%n",
        RSS_PODS, pct(bridgeCpu, 50), pct(ourCpu, 50), pct(ourCpu, 50) / pct(bridgeCpu, 50));
    System.out.println("load average during the run: " + loadAverage());
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static void report(int pods, long[] bridge, long[] ours, long bridgeRss, long ourRss) {
    Arrays.sort(bridge);
    Arrays.sort(ours);
    System.out.printf(
        "pods=%d (after %d warm-up pods), each: bridge ADD then outrigger-cni ADD (meshed, rules written)%n",
        pods, WARMUP);
    System.out.printf("%-14s %8s %8s %8s %8s%n", "plugin", "p50 ms", "p99 ms", "mean ms", "max ms");
    line("bridge", bridge);
    line("outrigger-cni", ours);
    System.out.printf("ratio outrigger-cni/bridge p50: %.2f%n", pct(ours, 50) / pct(bridge, 50));
    System.out.printf(
        "peak RSS (max over %d ADDs under GNU time): bridge %d KiB, outrigger-cni %d KiB%n",
        RSS_PODS, bridgeRss, ourRss);
  }

  private static void line(String name, long[] sorted) {
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
    System.out.printf(
        "%-14s %8.1f %8.1f %8.1f %8.1f%n",
        name, pct(sorted, 50), pct(sorted, 99), mean, sorted[sorted.length - 1] / 1e6);
  }

  /** Nearest-rank percentile, in ms. */
  private static double pct(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  private String bridgeConf() {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"bridge\",\"bridge\":\""
        + network.bridgeName()
        + "\",\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\""
        + work.resolve("ipam")
        + "\",\"ranges\":[[{\"subnet\":\""
        + network.subnet()
        + "\",\"gateway\":\""
        + network.gateway()
        + "\"}]]}}";
  }

  private String ourConf(String prevResult) {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"outrigger-cni\",\"log_file\":\""
        + work.resolve("outrigger-cni.log")
        + "\",\"capabilities\":{\"io.kubernetes.cri.pod-annotations\":true},"
        + "\"runtimeConfig\":{\"io.kubernetes.cri.pod-annotations\":{\"outrigger.io/status\":\"{}\"}},\"prevResult\":"
        + Json.write(Json.parse(prevResult))
        + "}";
  }

  private Pod newPod(String suffix) {
    String name = "ortgbench-" + ProcessHandle.current().pid() + "-" + suffix;
    check(runner.run(List.of("ip", "netns", "add", name), null), "ip netns add " + name);
    netnsNames.add(name);
    return new Pod(name);
  }

  private void cleanup() {
    for (String name : netnsNames) {
      Pod pod = new Pod(name);
      pod.call("DEL", image.resolve("outrigger-cni").toString(), ourConf("{}"), Measure.NONE);
      pod.call("DEL", "bridge", bridgeConf(), Measure.NONE);
      runner.run(List.of("ip", "netns", "delete", name), null);
    }
  }

  private static CommandRunner.Result check(CommandRunner.Result r, String what) {
    if (!r.ok()) {
      throw new IllegalStateException(
          what + ": exit " + r.exitCode() + ": " + r.stdout() + r.stderr());
    }
    return r;
  }

  private enum Measure {
    NONE,
    RSS,
    CPU
  }

  /** One netns, and the plugin calls made in it. */
  private final class Pod {
    private final String name;
    long lastRssKb;
    long lastCpuNanos;

    Pod(String name) {
      this.name = name;
    }

    String add(String plugin, String conf, Measure measure) {
      return check(call("ADD", plugin, conf, measure), plugin + " ADD in " + name).stdout();
    }

    CommandRunner.Result call(String command, String plugin, String conf, Measure measure) {
      String binary = plugin.contains("/") ? plugin : "/usr/lib/cni/" + plugin;
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "env",
                  "-i",
                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                  "CNI_COMMAND=" + command,
                  "CNI_CONTAINERID=" + name,
                  "CNI_NETNS=/var/run/netns/" + name,
                  "CNI_IFNAME=eth0",
                  "CNI_PATH=/usr/lib/cni",
                  "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=" + name));
      Path stats = work.resolve("stats-" + name);
      switch (measure) {
        case RSS ->
            cmd.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", stats.toString(), binary));
        // bash's time has millisecond resolution (GNU time's %U/%S have 10 ms) and counts
        // waited-for children.
        case CPU ->
            cmd.addAll(
                List.of(
                    "bash",
                    "-c",
                    "TIMEFORMAT='%3U %3S'; { time \"$0\" 2>/dev/null; } 2>\"$1\"",
                    binary,
                    stats.toString()));
        case NONE -> cmd.add(binary);
      }
      CommandRunner.Result r = runner.run(cmd, conf);
      try {
        if (measure == Measure.RSS) {
          lastRssKb =
              Long.parseLong(
                  Files.readString(stats).strip().lines().reduce((a, b) -> b).orElse("0"));
        } else if (measure == Measure.CPU) {
          String[] f = Files.readString(stats).strip().split("\\s+");
          lastCpuNanos = (long) ((Double.parseDouble(f[0]) + Double.parseDouble(f[1])) * 1e9);
        }
      } catch (java.io.IOException | RuntimeException e) {
        throw new IllegalStateException(
            measure + " measurement of " + binary + " failed: " + e.getMessage(), e);
      }
      return r;
    }
  }
}
