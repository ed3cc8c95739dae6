package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes everything the tier-5 cluster leaves on the machine, in the order that works: processes
 * (by the state directory on their command line, so a killed JVM's cluster is found too), the
 * containers in the {@code kubepods} cgroups, containerd and its shims, mounts under the state
 * directory and the pods' netns bind mounts, the node's network namespace (the bridge, veths and
 * iptables rules go with it; with Flannel also cni0 and flanneld's rules), the cgroups, the sysctls
 * kubelet changed, and the files kubelet, containerd, libcni and Flannel (flanneld's subnet file,
 * its plugin's saved delegate configs, host-local's leases) write to hard-coded paths. Every step
 * is idempotent and carries on when one fails, so that the next start can always sweep a stale
 * cluster.
 */
final class SingleNodeClusterTeardown {

  private static final Logger LOG = LoggerFactory.getLogger(SingleNodeClusterTeardown.class);

  /**
   * The global sysctls kubelet sets at start-up (to 10, 1 and 1); their values before it ran are
   * saved here.
   */
  static final List<String> KUBELET_SYSCTLS =
      List.of("kernel/panic", "kernel/panic_on_oops", "vm/overcommit_memory");

  static final Path SAVED_SYSCTLS = SubnetLeases.STATE_DIR.resolve("kube-sysctls");
  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
  private static final List<String> CGROUP_NAMES = List.of("kubepods", "k8s.io");
  private static final Path NETNS_DIR = Path.of("/run/netns");

  private SingleNodeClusterTeardown() {}

  /**
   * Saves the sysctls kubelet will change, unless a stale cluster's saved values are still to be
   * restored.
   */
  static void saveSysctls() {
    try {
      Files.createDirectories(SAVED_SYSCTLS.getParent());
      StringBuilder saved = new StringBuilder();
      for (String sysctl : KUBELET_SYSCTLS) {
        saved
            .append(sysctl)
            .append('=')
            .append(Files.readString(Path.of("/proc/sys", sysctl)).strip())
            .append('\n');
      }
      Files.writeString(SAVED_SYSCTLS, saved.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("tier-5 cluster: cannot save the sysctls kubelet changes", e);
    }
  }

  /**
   * Everything, whether this JVM started the cluster or a killed one did. Needs the cluster lock.
   */
  static void run() {
    long started = System.nanoTime();
    killProcesses();
    killContainers();
    killProcesses(); // a shim that was waiting on its container
    unmount();
    deleteNetns();
    removeCgroups();
    restoreSysctls();
    removeFiles();
    LOG.info(
        "event=kube_cluster_torn_down duration_ms={}", (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Every process with the state directory on its command line: the cluster's own, containerd's
   * shims.
   */
  private static void killProcesses() {
    String marker = SingleNodeCluster.STATE_DIR + "/";
    List<ProcessHandle> ours =
        ProcessHandle.allProcesses()
            .filter(p -> p.pid() != ProcessHandle.current().pid())
            .filter(p -> p.info().commandLine().orElse("").contains(marker))
            .toList();
    ours.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (ours.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
      sleep(50);
    }
    ours.stream()
        .filter(ProcessHandle::isAlive)
        .forEach(
            p -> {
              LOG.warn(
                  "event=kube_process_killed pid={} command={}",
                  p.pid(),
                  p.info().command().orElse("?"));
              p.destroyForcibly();
            });
  }

  /**
   * The containers' processes: whatever is left in the pod cgroups once kubelet and containerd are
   * gone.
   */
  private static void killContainers() {
    for (Path cgroup : podCgroups()) {
      try (Stream<String> pids = Files.lines(cgroup.resolve("cgroup.procs"))) {
        pids.map(String::strip)
            .filter(s -> !s.isEmpty())
            .map(Long::parseLong)
            .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      } catch (IOException | UncheckedIOException e) {
        // The cgroup went away meanwhile.
      }
    }
  }

  private static void unmount() {
    List<String> mounts = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mountPoint = line.split(" ")[4].replace("\\040", " ");
        if (mountPoint.startsWith(SingleNodeCluster.STATE_DIR + "/") || isPodNetns(mountPoint)) {
          mounts.add(mountPoint);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
    // Deepest first; a path mounted twice (kubelet bind-mounts its root dir onto itself) is
    // unmounted twice.
    mounts.sort(Comparator.comparingInt(String::length).reversed());
    for (String mount : mounts) {
      ExecResult result = Commands.run(List.of("umount", "-l", mount));
      if (!result.succeeded() && !result.stderr().contains("not mounted")) {
        LOG.warn("event=kube_umount_failed path={} reason={}", mount, result.stderr().strip());
      }
    }
  }

  /**
   * containerd's pod netns bind mounts: /run/netns/cni-UUID, unless another containerd runs on the
   * machine.
   */
  private static boolean isPodNetns(String path) {
    return path.startsWith(NETNS_DIR + "/cni-") && !foreignContainerdRunning();
  }

  private static void deleteNetns() {
    for (Path netns : list(NETNS_DIR)) {
      String name = netns.getFileName().toString();
      if (name.startsWith(SingleNodeCluster.NETNS_PREFIX)) {
        Commands.run(List.of("ip", "netns", "del", name));
      } else if (name.startsWith("cni-") && !foreignContainerdRunning()) {
        delete(netns);
      }
    }
    // Goes with the node's netns (its peer is in there); only a half-made start leaves it alone.
    if (Files.exists(Path.of("/sys/class/net", SingleNodeCluster.HOST_LINK))) {
      Commands.run(List.of("ip", "link", "del", SingleNodeCluster.HOST_LINK));
    }
  }

  private static void removeCgroups() {
    List<Path> cgroups = podCgroups();
    // Leaves first.
    cgroups.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path cgroup : cgroups) {
      try {
        Files.deleteIfExists(cgroup);
      } catch (IOException e) {
        LOG.warn("event=kube_cgroup_not_removed path={} reason={}", cgroup, e.getMessage());
      }
    }
  }

  /** Every kubepods and k8s.io cgroup, and all below them, in every hierarchy. */
  static List<Path> podCgroups() {
    List<Path> cgroups = new ArrayList<>();
    for (Path hierarchy : list(CGROUPS)) {
      for (String name : CGROUP_NAMES) {
        Path top = hierarchy.resolve(name);
        if (Files.isDirectory(top)) {
          try (Stream<Path> tree = Files.walk(top)) {
            tree.filter(Files::isDirectory).forEach(cgroups::add);
          } catch (IOException | UncheckedIOException e) {
            LOG.warn("event=kube_cgroup_walk_failed path={} reason={}", top, e.getMessage());
          }
        }
      }
    }
    return cgroups;
  }

  private static void restoreSysctls() {
    if (!Files.exists(SAVED_SYSCTLS)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(SAVED_SYSCTLS)) {
        int eq = line.indexOf('=');
        if (eq > 0 && KUBELET_SYSCTLS.contains(line.substring(0, eq))) {
          Files.writeString(Path.of("/proc/sys", line.substring(0, eq)), line.substring(eq + 1));
        }
      }
      Files.delete(SAVED_SYSCTLS);
    } catch (IOException e) {
      LOG.warn("event=kube_sysctl_restore_failed reason={}", e.getMessage());
    }
  }

  private static void removeFiles() {
    if (!foreignContainerdRunning()) {
      TempFiles.deleteRecursively(Path.of("/run/containerd"));
    }
    // libcni's cache of ADD results: entries of our network, and of containerd's loopback network
    // unless
    // another containerd may have written them.
    Path results = Path.of("/var/lib/cni/results");
    boolean loopbackOurs = !foreignContainerdRunning();
    for (Path result : list(results)) {
      String name = result.getFileName().toString();
      if (name.startsWith(SingleNodeCluster.CNI_NETWORK + "-")
          || name.startsWith(SingleNodeClusterFiles.FLANNEL_NETWORK + "-")
          || loopbackOurs && name.startsWith("cni-loopback-")) {
        delete(result);
      }
    }
    // Flannel's, unless a flanneld of someone else's runs on the machine.
    if (!foreignFlanneldRunning()) {
      SingleNodeClusterFlannel.CNI_DATA_DIRS.forEach(TempFiles::deleteRecursively);
      deleteIfEmpty(Path.of("/var/lib/cni/networks"));
      TempFiles.deleteRecursively(SingleNodeClusterFlannel.SUBNET_FILE.getParent());
    }
    deleteIfEmpty(results);
    deleteIfEmpty(Path.of("/var/lib/cni"));
    // kubelet's device-plugin socket directory is not under its --root-dir.
    TempFiles.deleteRecursively(Path.of("/var/lib/kubelet/device-plugins"));
    deleteIfEmpty(Path.of("/var/lib/kubelet"));
    // kubelet links each container's log here, pointing into its podLogsDir.
    Path containerLogs = Path.of("/var/log/containers");
    for (Path link : list(containerLogs)) {
      try {
        if (Files.isSymbolicLink(link)
            && Files.readSymbolicLink(link).startsWith(SingleNodeCluster.STATE_DIR)) {
          delete(link);
        }
      } catch (IOException e) {
        LOG.warn("event=kube_cleanup_failed path={} reason={}", link, e.getMessage());
      }
    }
    deleteIfEmpty(containerLogs);
    TempFiles.deleteRecursively(SingleNodeCluster.STATE_DIR);
  }

  /**
   * A containerd not started by us (a system one): then /run/containerd and cni-* netns are not
   * ours alone.
   */
  private static boolean foreignContainerdRunning() {
    return foreignRunning("containerd");
  }

  /** A flanneld not started by us: then /run/flannel and Flannel's CNI state are not ours alone. */
  private static boolean foreignFlanneldRunning() {
    return foreignRunning("flanneld");
  }

  /** A process of this program whose command line does not name our state directory. */
  private static boolean foreignRunning(String program) {
    return ProcessHandle.allProcesses()
        .anyMatch(
            p ->
                p.info().command().orElse("").endsWith("/" + program)
                    && !p.info()
                        .commandLine()
                        .orElse("")
                        .contains(SingleNodeCluster.STATE_DIR + "/"));
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(entries::add);
    } catch (IOException e) {
      LOG.warn("event=kube_cleanup_failed path={} reason={}", dir, e.getMessage());
    }
    return entries;
  }

  private static void deleteIfEmpty(Path dir) {
    if (Files.isDirectory(dir) && list(dir).isEmpty()) {
      delete(dir);
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("event=kube_cleanup_failed path={} reason={}", path, e.getMessage());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
