package io.outrigger.cni.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps our entry in the primary network while the primary CNI rewrites its configuration (Calico
 * and Cilium agents do on restart): every change in the conf dir triggers {@link
 * CniInstaller#ensureChained}.
 */
public final class ConfDirWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfDirWatcher.class);

  /** Lets a writer that truncates and then writes finish before we read the file. */
  private static final Duration SETTLE = Duration.ofMillis(100);

  private final CniInstaller installer;
  private final WatchService watch;

  public ConfDirWatcher(CniInstaller installer, Path confDir) {
    this.installer = installer;
    try {
      this.watch = confDir.getFileSystem().newWatchService();
      confDir.register(
          watch,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "CNI conf dir " + confDir + ": cannot watch: " + e.getMessage(), e);
    }
  }

  /** Reconciles on every change until {@link #close()} or interruption. */
  public void run() {
    try {
      while (true) {
        WatchKey key = watch.take();
        Thread.sleep(SETTLE.toMillis());
        drain(key);
        WatchKey more;
        while ((more = watch.poll(10, TimeUnit.MILLISECONDS)) != null) {
          drain(more);
        }
        try {
          installer.ensureChained();
        } catch (RuntimeException e) {
          // A half-written file from the primary CNI: the next event (its final write) retries.
          LOG.warn("event=cni-rechain-failed reason=\"{}\"", e.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ClosedWatchServiceException e) {
      // close() ends the loop.
    }
  }

  private static void drain(WatchKey key) {
    key.pollEvents();
    key.reset();
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
