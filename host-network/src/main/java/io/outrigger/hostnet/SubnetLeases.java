package io.outrigger.hostnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out /24s of 198.18.0.0/15 to test networks and host-mode meshes, safely across concurrently
 * running JVMs: an exclusive file lock under /run/outrigger-test guards lease files that name the
 * owning process. A lease whose owner is dead is swept (its pods, bridge and IPAM state removed)
 * before anything new is handed out, so a test JVM that was killed mid-test leaves nothing behind
 * for long.
 */
public final class SubnetLeases {

  private static final Logger LOG = LoggerFactory.getLogger(SubnetLeases.class);

  /** Shared by test networks and host-mode meshes, so neither ever leases what the other holds. */
  public static final Path STATE_DIR = Path.of("/run/outrigger-test");

  public static final CidrBlock TEST_RANGE = CidrBlock.parse("198.18.0.0/15");
  public static final int SUBNETS = 512;

  /**
   * The tier-5 cluster's pod CIDR, node /24 and Service CIDR (test-support's SingleNodeCluster,
   * whose test checks these stay equal): never leased, so a network can never collide with the
   * cluster, whether or not one runs at the moment.
   */
  public static final List<CidrBlock> RESERVED =
      List.of(
          CidrBlock.parse("198.18.232.0/24"),
          CidrBlock.parse("198.18.233.0/24"),
          CidrBlock.parse("198.19.0.0/16"));

  /** Serializes this JVM's threads; the file lock alone cannot, as it is held per JVM. */
  private static final Object JVM_LOCK = new Object();

  private SubnetLeases() {}

  /** The /24 with this index, 0..511. */
  public static CidrBlock subnet(int index) {
    return new CidrBlock(CidrBlock.parse(TEST_RANGE.address(index * 256) + "/24").network(), 24);
  }

  /**
   * Leases a free index: not leased by a live process, and with no route of the host overlapping
   * it. {@code sweeper} cleans up after a dead owner's index before it is reused.
   */
  public static int acquire(IntConsumer sweeper) {
    return acquire(sweeper, TEST_RANGE);
  }

  /**
   * As {@link #acquire(IntConsumer)}, with the /24 inside {@code within} (a part of the test
   * range).
   */
  public static int acquire(IntConsumer sweeper, CidrBlock within) {
    synchronized (JVM_LOCK) {
      try (FileChannel lockFile = openLock();
          FileLock ignored = lockFile.lock()) {
        Set<Integer> taken = liveLeases(sweeper);
        List<CidrBlock> routed = hostRoutes();
        for (int index = 0; index < SUBNETS; index++) {
          CidrBlock candidate = subnet(index);
          if (within.overlaps(candidate) && !taken.contains(index) && leasable(candidate, routed)) {
            Files.writeString(leaseFile(index), ownerId(ProcessHandle.current()));
            return index;
          }
        }
        throw new IllegalStateException(
            "no free /24 left in "
                + within
                + " for a pod network ("
                + taken.size()
                + " leased by live processes)");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lease a test subnet under " + STATE_DIR, e);
      }
    }
  }

  /** Free of the host's routes in the test range and of the tier-5 cluster's ranges. */
  public static boolean leasable(CidrBlock subnet, List<CidrBlock> hostRoutes) {
    return hostRoutes.stream().noneMatch(subnet::overlaps)
        && RESERVED.stream().noneMatch(subnet::overlaps);
  }

  /** Sweeps the leases of dead owners now (a killed supervisor's, a killed test JVM's). */
  public static void sweepDead(IntConsumer sweeper) {
    synchronized (JVM_LOCK) {
      try (FileChannel lockFile = openLock();
          FileLock ignored = lockFile.lock()) {
        liveLeases(sweeper);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot sweep subnet leases under " + STATE_DIR, e);
      }
    }
  }

  /** Who holds the lease of this index now (an {@link #ownerId}), if anyone. */
  public static Optional<String> owner(int index) {
    try {
      return Files.exists(leaseFile(index))
          ? Optional.of(Files.readString(leaseFile(index)).strip())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static void release(int index) {
    try {
      Files.deleteIfExists(leaseFile(index));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release test subnet lease " + leaseFile(index), e);
    }
  }

  public static Path dataDir(int index) {
    return STATE_DIR.resolve("net-" + index);
  }

  private static Set<Integer> liveLeases(IntConsumer sweeper) throws IOException {
    Set<Integer> live = new TreeSet<>();
    try (DirectoryStream<Path> leases = Files.newDirectoryStream(STATE_DIR, "lease-*")) {
      for (Path lease : leases) {
        int index = Integer.parseInt(lease.getFileName().toString().substring("lease-".length()));
        if (ownerAlive(Files.readString(lease).strip())) {
          live.add(index);
        } else {
          LOG.warn(
              "event=stale_lease_swept index={} owner={}", index, Files.readString(lease).strip());
          sweeper.accept(index);
          Files.deleteIfExists(lease);
        }
      }
    }
    return live;
  }

  /** PID plus start time, so a recycled PID is not mistaken for the owner. */
  public static String ownerId(ProcessHandle process) {
    return process.pid() + "@" + process.info().startInstant().map(Object::toString).orElse("?");
  }

  /**
   * True when the process an {@link #ownerId} names still runs (the same process, not a recycled
   * PID).
   */
  public static boolean ownerAlive(String owner) {
    int at = owner.indexOf('@');
    if (at < 0) {
      return false;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(owner.substring(0, at)));
    return process.isPresent() && process.get().isAlive() && ownerId(process.get()).equals(owner);
  }

  /**
   * Routes of the host inside the test range that are not ours, e.g. another tool's 198.18.x
   * network.
   */
  private static List<CidrBlock> hostRoutes() {
    ExecResult routes = Commands.run(List.of("ip", "-4", "route", "show", "table", "all"));
    List<CidrBlock> inRange = new ArrayList<>();
    for (String line : routes.stdout().split("\n")) {
      String[] words = line.strip().split("\\s+");
      int first = words.length > 1 && words[0].matches("local|broadcast") ? 1 : 0;
      if (words.length > first && words[first].matches("\\d+\\.\\d+\\.\\d+\\.\\d+(/\\d+)?")) {
        CidrBlock dst = CidrBlock.parse(words[first]);
        if (dst.overlaps(TEST_RANGE) && dst.prefixLength() >= TEST_RANGE.prefixLength()) {
          inRange.add(dst);
        }
      }
    }
    return inRange;
  }

  private static FileChannel openLock() throws IOException {
    Files.createDirectories(STATE_DIR);
    return FileChannel.open(
        STATE_DIR.resolve("leases.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static Path leaseFile(int index) {
    return STATE_DIR.resolve("lease-" + index);
  }
}
