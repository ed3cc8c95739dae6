package io.outrigger.hostmode.supervisor;

import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Name resolution in pods: {@code /etc/netns/<netns>/hosts}, which {@code ip netns exec}
 * bind-mounts over {@code /etc/hosts} for every process it starts. A pod resolves {@code <svc>}
 * (its own namespace), {@code <svc>.<ns>}, {@code <svc>.<ns>.svc} and {@code
 * <svc>.<ns>.svc.cluster.local} to the service's VIP.
 */
final class HostsFiles {
  private HostsFiles() {}

  /** A service as DNS knows it. */
  record Entry(String namespace, String name, String vip) {}

  static void write(
      String netns, String podNamespace, String podName, String podIp, List<Entry> services) {
    StringBuilder hosts = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");
    hosts.append(podIp).append('\t').append(podName).append('\n');
    for (Entry s : services) {
      hosts.append(s.vip()).append('\t');
      if (s.namespace().equals(podNamespace)) {
        hosts.append(s.name()).append(' ');
      }
      hosts
          .append(s.name())
          .append('.')
          .append(s.namespace())
          .append(' ')
          .append(s.name())
          .append('.')
          .append(s.namespace())
          .append(".svc ")
          .append(s.name())
          .append('.')
          .append(s.namespace())
          .append(".svc.cluster.local\n");
    }
    Path dir = BridgeNetworks.ETC_NETNS.resolve(netns);
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      // Rewritten in place, not renamed: running processes see the inode ip netns exec
      // bind-mounted.
      Path file = dir.resolve("hosts");
      Files.writeString(file, hosts);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("hosts"), e);
    }
  }

  static void remove(String netns) {
    TempFiles.deleteRecursively(BridgeNetworks.ETC_NETNS.resolve(netns));
  }

  static List<Entry> entries(Map<String, String> vipsByNamespacedName) {
    return vipsByNamespacedName.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            e -> {
              String[] nsName = e.getKey().split("/", 2);
              return new Entry(nsName[0], nsName[1], e.getValue());
            })
        .toList();
  }
}
