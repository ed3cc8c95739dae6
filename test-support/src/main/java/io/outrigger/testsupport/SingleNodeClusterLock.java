package io.outrigger.testsupport;

import io.outrigger.hostnet.SubnetLeases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine-wide right to run the tier-5 cluster: an exclusive lock on a file under
 * /run/outrigger-test, held for the cluster's life. The kernel drops it when the holding JVM dies,
 * however it dies, so the next holder knows that any cluster state left on the machine is stale.
 */
final class SingleNodeClusterLock implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SingleNodeClusterLock.class);
  static final Path LOCK_FILE = SubnetLeases.STATE_DIR.resolve("kube-cluster.lock");

  /**
   * Another test run's cluster (a concurrent build on a shared machine) may hold it for a whole
   * module.
   */
  private static final Duration WAIT = Duration.ofMinutes(10);

  private final FileChannel channel;
  private final FileLock lock;

  private SingleNodeClusterLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static SingleNodeClusterLock acquire() {
    try {
      Files.createDirectories(LOCK_FILE.getParent());
      FileChannel channel =
          FileChannel.open(LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      long deadline = System.nanoTime() + WAIT.toNanos();
      boolean logged = false;
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return new SingleNodeClusterLock(channel, lock);
        }
        if (!logged) {
          LOG.info(
              "event=kube_cluster_lock_wait file={} max_wait_s={}", LOCK_FILE, WAIT.toSeconds());
          logged = true;
        }
        if (System.nanoTime() > deadline) {
          channel.close();
          throw new IllegalStateException(
              "tier-5 cluster: another test JVM has held "
                  + LOCK_FILE
                  + " (its cluster) for more than "
                  + WAIT
                  + "; only one cluster can run on a machine");
        }
        Thread.sleep(500);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("tier-5 cluster: cannot lock " + LOCK_FILE, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "tier-5 cluster: interrupted while waiting for " + LOCK_FILE, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      LOG.warn("event=kube_cluster_lock_release_failed reason={}", e.getMessage());
    }
  }
}
