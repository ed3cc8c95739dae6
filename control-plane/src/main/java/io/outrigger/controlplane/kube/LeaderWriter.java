package io.outrigger.controlplane.kube;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one thread a {@link LeaderGatedTask} writes to the API server from, in submission order,
 * between its {@code startLeading} and {@code stopLeading}. A write submitted while not leading is
 * dropped: the task catches up when it starts leading again. Stopping interrupts the write in
 * progress.
 */
final class LeaderWriter {
  private final String threadName;
  private ExecutorService executor;

  /**
   * @param threadName the writer thread's name, for thread dumps
   */
  LeaderWriter(String threadName) {
    this.threadName = threadName;
  }

  synchronized void start() {
    if (executor == null) {
      executor = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
    }
  }

  synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  /** Runs {@code write} after the writes submitted before it, if leading; else drops it. */
  synchronized void submit(Runnable write) {
    if (executor != null) {
      executor.execute(write);
    }
  }
}
