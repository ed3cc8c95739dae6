package io.outrigger.testsupport;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test tier 5: a real single-node Kubernetes 1.31 cluster (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubelet, kube-proxy, containerd and runc) in a network
 * namespace of its own, with the node on a primary CNI ({@link PrimaryCni}: the Debian bridge
 * chain, or Flannel, {@link SingleNodeClusterFlannel}). The node's IP {@value #NODE_IP} is on that
 * namespace's loopback; a veth pair joins it to the machine ({@value #HOST_IP} on the machine's
 * side), with routes to the node and to the pod CIDR {@value #POD_CIDR}, so the JVM reaches the API
 * server, and pods and the API server reach a server the JVM runs on {@value #HOST_IP}. The Service
 * CIDR is {@value #SERVICE_CIDR}. Everything the cluster writes is under {@link #STATE_DIR}, except
 * the paths kubelet and containerd hard-code, which {@link SingleNodeClusterTeardown} knows.
 *
 * <p>Only one cluster can run on a machine at a time (kubelet owns the {@code kubepods} cgroups and
 * global sysctls): a file lock serializes test JVMs, and whoever takes it first sweeps what a
 * killed JVM left. Use {@link SingleNodeClusterExtension}, which shares one cluster between all
 * tier-5 classes of a test run.
 */
public final class SingleNodeCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SingleNodeCluster.class);

  public static final String NODE_NAME = "outrigger-node";
  public static final String NODE_IP = "198.18.233.1";

  /** The machine's end of the veth to the node's namespace; the node's end is 198.18.233.253. */
  public static final String HOST_IP = "198.18.233.254";

  /** The node's end of that veth: its "external" interface, Flannel's public IP. */
  public static final String NODE_LINK_IP = "198.18.233.253";

  public static final String POD_CIDR = "198.18.232.0/24";

  /**
   * The Service CIDR: all of 198.19.0.0/16, so the samples' fixed {@code clusterIP}s
   * (198.19.0.10...) are valid here as they are in host mode. It is virtual (kube-proxy's rules in
   * the node's netns; never routed on the machine), and SubnetLeases never leases a /24 of it.
   */
  public static final String SERVICE_CIDR = "198.19.0.0/16";

  public static final String KUBERNETES_SERVICE_IP = "198.19.0.1";

  /**
   * The cluster DNS ({@link ClusterDns}, served by this JVM on {@value #HOST_IP}:53): kubelet's
   * clusterDNS.
   */
  public static final String CLUSTER_DNS_IP = HOST_IP;

  public static final String CLUSTER_DOMAIN = "cluster.local";
  public static final String API_SERVER_URL = "https://" + NODE_IP + ":6443";

  /** The CNI network name (the conflist's {@code name}) and the node's bridge. */
  public static final String CNI_NETWORK = "outrigger-k8s";

  static final String CNI_CONFLIST = "10-outrigger-k8s.conflist";
  static final String BRIDGE = "ortgkube0";
  static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "portmap", "loopback");

  /**
   * Fixed: one cluster per machine; kubelet, containerd and the shims name it on their command
   * lines.
   */
  public static final Path STATE_DIR = Path.of("/var/tmp/outrigger-kube");

  /**
   * The node's netns is {@code ortgkube-<JVM PID>-node}: scripts/host-state.sh tells a live owner's
   * apart.
   */
  static final String NETNS_PREFIX = "ortgkube-";

  static final String HOST_LINK = "ortgkube-h";
  static final String NODE_LINK = "ortgkube-n";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CONFLIST_RELOAD = Duration.ofMillis(500);

  private final SingleNodeClusterLock lock;
  private final KubeNodeBinaries binaries;
  private final SingleNodeClusterFiles files;
  private final PrimaryCni primary;
  private final String netns;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Thread shutdownHook = new Thread(this::teardown, "outrigger-kube-cluster-shutdown");
  private KubernetesClient client;
  private ClusterDns dns;
  private boolean closed;
  private Duration startup = Duration.ZERO;

  private SingleNodeCluster(
      SingleNodeClusterLock lock, KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    this.lock = lock;
    this.binaries = binaries;
    this.files = files;
    this.primary = files.primary();
    this.netns = NETNS_PREFIX + ProcessHandle.current().pid() + "-node";
  }

  /**
   * Starts the cluster on the bridge chain and returns once the node is Ready and the {@code
   * default} service account exists.
   */
  public static SingleNodeCluster start(KubeNodeBinaries binaries) {
    return start(binaries, PrimaryCni.BRIDGE);
  }

  /**
   * Starts the cluster with {@code primary} as the node's CNI and returns once the node is Ready,
   * the {@code default} service account exists and (Flannel) flanneld has written the node's
   * subnet. Flannel needs {@link KubeNodeBinaries#flannel()} ({@link
   * Prerequisites#requireKubeNode(PrimaryCni)}).
   */
  public static SingleNodeCluster start(KubeNodeBinaries binaries, PrimaryCni primary) {
    if (primary == PrimaryCni.FLANNEL && binaries.flannel() == null) {
      throw new IllegalArgumentException(
          "tier-5 cluster: Flannel as the primary CNI needs flanneld and its CNI plugin"
              + " (Prerequisites.requireKubeNode(PrimaryCni.FLANNEL))");
    }
    SingleNodeClusterLock lock = SingleNodeClusterLock.acquire();
    SingleNodeCluster cluster;
    try {
      // We hold the lock: whatever cluster state is on the machine belongs to a JVM that died.
      SingleNodeClusterTeardown.run();
      cluster =
          new SingleNodeCluster(
              lock, binaries, SingleNodeClusterFiles.create(STATE_DIR, binaries, primary));
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException | Error e) {
      String logs = cluster.logTail();
      cluster.close();
      throw new IllegalStateException("tier-5 cluster: " + e.getMessage() + "\n" + logs, e);
    }
  }

  private void startAll() {
    long started = System.nanoTime();
    network();
    SingleNodeClusterTeardown.saveSysctls();
    spawn(
        "containerd",
        binaries.containerd().toString(),
        "--config",
        files.dir().resolve("containerd/config.toml").toString());
    await("containerd socket", () -> Files.exists(files.containerdSocket()));
    Path images = files.dir().resolve("images");
    importImage(NodeImages.pause(binaries.pause()).writeTo(images.resolve("pause.tar")));
    importImage(NodeImages.busybox(binaries.busybox()).writeTo(images.resolve("busybox.tar")));
    long imported = System.nanoTime();
    // etcd, the API server and kubelet retry until what they talk to is up; kube-controller-manager
    // exits
    // when the API server's RBAC roles are not there yet, so it and the other clients start after
    // /readyz.
    spawn(
        "etcd",
        binaries.apiServer().etcd().toString(),
        "--name",
        "node",
        "--data-dir",
        files.dir().resolve("run/etcd").toString(),
        "--listen-client-urls",
        "http://127.0.0.1:2379",
        "--advertise-client-urls",
        "http://127.0.0.1:2379",
        "--listen-peer-urls",
        "http://127.0.0.1:2380",
        "--initial-advertise-peer-urls",
        "http://127.0.0.1:2380",
        "--initial-cluster",
        "node=http://127.0.0.1:2380");
    spawn("kube-apiserver", SingleNodeClusterCommands.apiServer(binaries, files));
    spawn("kubelet", SingleNodeClusterCommands.kubelet(binaries, files));
    awaitApiServer();
    long apiReady = System.nanoTime();
    spawn("kube-controller-manager", SingleNodeClusterCommands.controllerManager(binaries, files));
    spawn("kube-scheduler", SingleNodeClusterCommands.scheduler(binaries, files));
    spawn(
        "kube-proxy",
        binaries.proxy().toString(),
        "--config",
        files.conf("kube-proxy.yaml").toString());
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(API_SERVER_URL)
                    .withCaCertFile(files.pki("ca.crt").toString())
                    .withOauthToken(files.adminToken())
                    .withRequestTimeout(15_000)
                    .withConnectionTimeout(5_000)
                    .build())
            .build();
    dns = ClusterDns.start(client, CLUSTER_DNS_IP, CLUSTER_DOMAIN);
    long flannelStarted = System.nanoTime();
    if (primary == PrimaryCni.FLANNEL) {
      startFlannel();
    }
    long flannelReady = System.nanoTime();
    await("node " + NODE_NAME + " Ready", this::nodeReady);
    long nodeReady = System.nanoTime();
    await(
        "service account default/default (kube-controller-manager)",
        () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    startup = Duration.ofNanos(System.nanoTime() - started);
    LOG.info(
        "event=kube_cluster_ready primary_cni={} images_ms={} api_server_ms={} flannel_ms={}"
            + " node_ready_ms={} startup_ms={} dir={}",
        primary,
        (imported - started) / 1_000_000,
        (apiReady - started) / 1_000_000,
        (flannelReady - flannelStarted) / 1_000_000,
        (nodeReady - started) / 1_000_000,
        startup.toMillis(),
        files.dir());
  }

  /**
   * Flannel, once kube-controller-manager has given the node its podCIDR (flanneld's kube subnet
   * manager gives up on a node without one): its RBAC, flanneld, and its subnet file written.
   */
  private void startFlannel() {
    await(
        "node " + NODE_NAME + " spec.podCIDR (kube-controller-manager)",
        () -> {
          Node node = client.nodes().withName(NODE_NAME).get();
          return node != null && node.getSpec().getPodCIDR() != null;
        });
    kubectlWithInput(SingleNodeClusterFlannel.RBAC, "apply", "-f", "-")
        .orThrow("kubectl apply of flanneld's RBAC");
    spawn(
        "flanneld",
        Map.of("NODE_NAME", NODE_NAME),
        SingleNodeClusterFlannel.flanneld(binaries, files));
    await(
        "flanneld's " + SingleNodeClusterFlannel.SUBNET_FILE,
        SingleNodeClusterFlannel::subnetWritten);
  }

  /** The node's netns, its loopback address, and the veth pair that joins it to the machine. */
  private void network() {
    run("ip", "netns", "add", netns);
    run("ip", "-n", netns, "link", "set", "lo", "up");
    run("ip", "-n", netns, "addr", "add", NODE_IP + "/32", "dev", "lo");
    run("ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", NODE_LINK, "netns", netns);
    run("ip", "addr", "add", HOST_IP + "/30", "dev", HOST_LINK);
    run("ip", "link", "set", HOST_LINK, "up");
    run("ip", "-n", netns, "addr", "add", NODE_LINK_IP + "/30", "dev", NODE_LINK);
    run("ip", "-n", netns, "link", "set", NODE_LINK, "up");
    // A route to the service CIDR, as a node's default route gives it: a connection the node itself
    // makes to a
    // ClusterIP (the API server calling a webhook's Service) needs one before kube-proxy's OUTPUT
    // rule can
    // DNAT it to a pod (then the kernel routes it again, to the bridge); without it, connect()
    // fails "network
    // is unreachable". On lo, so that a packet to a ClusterIP kube-proxy did not translate never
    // leaves.
    run("ip", "-n", netns, "route", "add", SERVICE_CIDR, "dev", "lo", "src", NODE_IP);
    run("ip", "route", "add", NODE_IP + "/32", "via", NODE_LINK_IP, "dev", HOST_LINK);
    run("ip", "route", "add", POD_CIDR, "via", NODE_LINK_IP, "dev", HOST_LINK);
  }

  /**
   * A client with cluster-admin rights (a {@code system:masters} token). Closed with the cluster.
   */
  public KubernetesClient client() {
    return client;
  }

  /**
   * The cluster admin's kubeconfig (API server at {@link #API_SERVER_URL}), e.g. for helm on the
   * machine.
   */
  public Path adminKubeconfig() {
    return files.kubeconfig("admin");
  }

  /**
   * {@code kubectl} (the one built with the cluster) as cluster admin, from the machine; 60 s
   * bound.
   */
  public ExecResult kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /**
   * {@code kubectl} with {@code stdin}, e.g. {@code kubectlWithInput(yaml, "apply", "-f", "-")}.
   */
  public ExecResult kubectlWithInput(String stdin, String... args) {
    return Commands.run(kubectlCommand(args), Map.of(), stdin, Duration.ofSeconds(60));
  }

  /**
   * The command line of {@link #kubectl}, for a test that runs it itself (e.g. a long {@code exec}
   * in the background).
   */
  public List<String> kubectlCommand(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                binaries.kubectl().toString(),
                "--kubeconfig",
                files.kubeconfig("admin").toString()));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs a command in the node's network namespace (where the bridge, kube-proxy's rules and the
   * ports are).
   */
  public ExecResult inNode(String... command) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + netnsPath()));
    full.addAll(List.of(command));
    return Commands.run(full);
  }

  /**
   * Imports a docker-archive (e.g. {@link ImageArchive#writeTo}) into containerd's {@code k8s.io}
   * namespace.
   */
  public void importImage(Path archive) {
    Commands.run(
            List.of(
                binaries.ctr().toString(),
                "--address",
                files.containerdSocket().toString(),
                "-n",
                "k8s.io",
                "images",
                "import",
                archive.toString()),
            Map.of(),
            null,
            Duration.ofSeconds(120))
        .orThrow("ctr images import " + archive);
  }

  /**
   * The network namespace of a running pod, as {@code /proc/<pid>/ns/net} of one of its processes
   * (found in its {@code kubepods/.../pod<uid>} cgroup): what {@code nsenter --net=} takes, e.g. to
   * read the rules a chained CNI plugin wrote there.
   */
  public Path podNetns(Pod pod) {
    String podCgroup = "pod" + pod.getMetadata().getUid();
    for (Path cgroup : SingleNodeClusterTeardown.podCgroups()) {
      if (cgroup.getParent() != null
          && cgroup.getParent().getFileName().toString().equals(podCgroup)) {
        try {
          for (String pid : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
            if (!pid.isBlank()) {
              return Path.of("/proc", pid.strip(), "ns", "net");
            }
          }
        } catch (IOException e) {
          // The container went away meanwhile: try the next.
        }
      }
    }
    throw new IllegalStateException(
        "tier-5 cluster: pod "
            + pod.getMetadata().getNamespace()
            + "/"
            + pod.getMetadata().getName()
            + " has no process in a "
            + podCgroup
            + " cgroup (not running?)");
  }

  /** The node's primary CNI. */
  public PrimaryCni primaryCni() {
    return primary;
  }

  /**
   * The primary CNI's conflist, the one containerd loads and outrigger-cni is chained into: {@code
   * 10-outrigger-k8s.conflist} (bridge) or {@code 10-flannel.conflist} (Flannel).
   */
  public Path conflist() {
    return files.conflist();
  }

  /**
   * The bridge the node's pods are attached to: {@code ortgkube0} (bridge chain) or {@code cni0}
   * (the bridge Flannel's plugin delegates to).
   */
  public String bridge() {
    return primary == PrimaryCni.FLANNEL ? SingleNodeClusterFlannel.BRIDGE : BRIDGE;
  }

  /** The node's CNI configuration directory: containerd loads the first conflist in it. */
  public Path cniConfDir() {
    return files.cniConfDir();
  }

  /** Where containerd looks for CNI plugins (links to Debian's; a test may add its own). */
  public Path cniBinDir() {
    return files.cniBinDir();
  }

  /**
   * Replaces the node's conflist with the primary CNI's (as its installer writes it) followed by
   * {@code chained} plugin entries (JSON objects).
   */
  public void setChainedPlugins(List<String> chained) {
    files.writeConflist(chained);
    try {
      // containerd reloads the conflist on an fsnotify event, asynchronously, and says so only in
      // debug
      // logs: a pod created in the same millisecond could still be wired by the previous chain.
      Thread.sleep(CONFLIST_RELOAD);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "tier-5 cluster: interrupted while containerd reloads the conflist", e);
    }
  }

  /** From start to node Ready and the default service account in place. */
  public Duration startup() {
    return startup;
  }

  /**
   * Resident memory of the cluster's processes (containerd's shims included), MiB, by process name.
   */
  public Map<String, Long> rssMiB() {
    Map<String, Long> rss = new LinkedHashMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(STATE_DIR + "/"))
        .forEach(
            p ->
                rss.merge(
                    Path.of(p.info().command().orElse("?")).getFileName().toString(),
                    residentKiB(p.pid()) / 1024,
                    Long::sum));
    return rss;
  }

  public String netnsPath() {
    return "/run/netns/" + netns;
  }

  /** The last lines of each component's log, for a failing test's output. */
  public String logTail() {
    StringBuilder tails = new StringBuilder();
    for (String component :
        List.of(
            "containerd",
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kubelet",
            "kube-proxy",
            "flanneld")) {
      if (component.equals("flanneld") && primary != PrimaryCni.FLANNEL) {
        continue;
      }
      tails.append(SingleNodeClusterCommands.tail(files.log(component), 25)).append('\n');
    }
    return tails.toString();
  }

  /** False once {@link #close()} ran (or the cluster was {@link #abandon() abandoned}). */
  public synchronized boolean running() {
    return !closed;
  }

  /**
   * Drops the cluster the way a killed JVM does: the lock is released and the shutdown hook
   * removed, but every process, mount, cgroup and file stays. Only for the test of the next start's
   * sweep. Returns the processes.
   */
  synchronized List<ProcessHandle> abandon() {
    closed = true;
    Runtime.getRuntime().removeShutdownHook(shutdownHook);
    // The DNS server lives in this JVM, and a killed JVM's socket goes with it: left open, it would
    // hold
    // HOST_IP:53 against the next start in this JVM.
    if (dns != null) {
      dns.close();
    }
    client.close();
    lock.close();
    return processes.values().stream().map(Process::toHandle).toList();
  }

  @Override
  public synchronized void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and the hook is what runs this.
    }
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (client != null) {
        SingleNodeClusterCommands.deletePods(client);
        if (dns != null) {
          dns.close();
        }
        client.close();
      }
      List<Process> running = new ArrayList<>(processes.values());
      for (int i = running.size() - 1; i >= 0; i--) {
        Commands.kill(running.get(i));
      }
      SingleNodeClusterTeardown.run();
    } finally {
      lock.close();
    }
  }

  private boolean nodeReady() {
    Node node = client.nodes().withName(NODE_NAME).get();
    return node != null
        && node.getStatus() != null
        && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private void awaitApiServer() {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .sslContext(KubeApiServer.trusting(files.pki("ca.crt")))
            .build();
    HttpRequest readyz =
        HttpRequest.newBuilder(URI.create(API_SERVER_URL + "/readyz"))
            .header("Authorization", "Bearer " + files.adminToken())
            .timeout(Duration.ofSeconds(5))
            .build();
    await(
        "kube-apiserver /readyz",
        () -> {
          try {
            return http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  private void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      processes.forEach(
          (name, process) -> {
            if (!process.isAlive()) {
              throw new IllegalStateException(
                  name + " exited with code " + process.exitValue() + " while waiting for " + what);
            }
          });
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + what + " after " + START_TIMEOUT);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  private void spawn(String name, String... command) {
    spawn(name, List.of(command));
  }

  private void spawn(String name, List<String> command) {
    spawn(name, Map.of(), command);
  }

  private void spawn(String name, Map<String, String> env, List<String> command) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + netnsPath(), "--"));
    full.addAll(command);
    try {
      ProcessBuilder builder = new ProcessBuilder(full);
      builder.environment().putAll(env);
      Process process =
          builder
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(files.log(name).toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      processes.put(name, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  private static void run(String... command) {
    Commands.run(List.of(command)).orThrow(String.join(" ", command));
  }

  private static long residentKiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Gone meanwhile.
    }
    return 0;
  }

  @Override
  public String toString() {
    return "SingleNodeCluster[" + API_SERVER_URL + ", " + primary + ", " + files.dir() + "]";
  }
}
