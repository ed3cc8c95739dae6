package io.outrigger.hostnet;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The names a leased pod network's parts carry, so whoever finds a dead owner's lease (a test JVM,
 * a mesh supervisor) can remove them: bridge {@code ortg<index>}, network namespaces {@code
 * ortg<index>-...}, their {@code /etc/netns} files, and the lease's data directory.
 */
public final class BridgeNetworks {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeNetworks.class);

  public static final String PREFIX = "ortg";

  /**
   * Where {@code ip netns exec} finds per-namespace files such as {@code hosts}, which it
   * bind-mounts.
   */
  public static final Path ETC_NETNS = Path.of("/etc/netns");

  private BridgeNetworks() {}

  public static String bridgeName(int index) {
    return PREFIX + index;
  }

  public static String netnsPrefix(int index) {
    return PREFIX + index + "-";
  }

  /**
   * Removes whatever a network of this index may have left: pod netns (and so their veths), bridge,
   * state.
   */
  public static void sweep(int index) {
    LOG.debug("event=network_sweep bridge={}", bridgeName(index));
    ExecResult netns = Commands.run(List.of("ip", "netns", "list"));
    for (String line : netns.stdout().split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(netnsPrefix(index))) {
        deleteNetns(name);
      }
    }
    if (Commands.run(List.of("ip", "link", "show", bridgeName(index))).succeeded()) {
      Commands.run(List.of("ip", "link", "delete", bridgeName(index)));
    }
    if (Files.isDirectory(ETC_NETNS)) {
      try (DirectoryStream<Path> dirs =
          Files.newDirectoryStream(ETC_NETNS, netnsPrefix(index) + "*")) {
        dirs.forEach(TempFiles::deleteRecursively);
      } catch (IOException e) {
        LOG.warn("event=cleanup_failed path={} reason={}", ETC_NETNS, e.getMessage());
      }
    }
    TempFiles.deleteRecursively(SubnetLeases.dataDir(index));
  }

  /**
   * Kills what still runs in the namespace (it would live on in a deleted one), then deletes it.
   */
  public static ExecResult deleteNetns(String name) {
    for (String pid : Commands.run(List.of("ip", "netns", "pids", name)).stdout().split("\\s+")) {
      if (!pid.isBlank()) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    return Commands.run(List.of("ip", "netns", "delete", name));
  }
}
