package io.outrigger.cni.install;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code outrigger cni install --watch}: the installer as a long-running node agent (the CNI
 * DaemonSet's container). It installs, then keeps the node right until it is stopped:
 *
 * <ul>
 *   <li>{@link ConfDirWatcher}: our entry goes back whenever the primary CNI (re)writes its file,
 *       including a primary that writes its first file after us;
 *   <li>every {@code resync}: the plugin's kubeconfig is rendered again from its source and
 *       rewritten when it changed (a rotated projected token), the chain is checked (an event the
 *       watcher missed), and the {@link RepairController} runs while the node is ready;
 *   <li>{@link ReadinessServer} answers whether the node is ready for meshed pods;
 *   <li>on stop (SIGTERM), {@link RemovalCheck} decides between uninstall and leaving everything
 *       for the next installer (an upgrade).
 * </ul>
 */
public final class CniNodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CniNodeAgent.class);

  private final CniInstaller installer;
  private final Duration resync;
  private final RepairController repair;
  private final RemovalCheck removal;
  private final int readinessPort;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("cni-resync").unstarted(r));
  private ConfDirWatcher watcher;
  private Thread watchThread;
  private ReadinessServer readiness;
  private boolean stopped;

  /**
   * {@code repair} may be null (no API access); {@code readinessPort} 0 means no readiness
   * endpoint.
   */
  public CniNodeAgent(
      CniInstaller installer,
      Duration resync,
      RepairController repair,
      RemovalCheck removal,
      int readinessPort) {
    this.installer = installer;
    this.resync = resync;
    this.repair = repair;
    this.removal = removal;
    this.readinessPort = readinessPort;
  }

  /**
   * Installs and starts watching; returns once the plugin is in place (chained, or waiting for the
   * primary).
   */
  public synchronized void start() {
    installer.installOrWait();
    watcher = new ConfDirWatcher(installer, installer.settings().confDir());
    watchThread = Thread.ofPlatform().daemon().name("cni-conf-watch").start(watcher::run);
    scheduler.scheduleWithFixedDelay(this::resync, 0, resync.toMillis(), TimeUnit.MILLISECONDS);
    if (readinessPort > 0) {
      readiness = new ReadinessServer(readinessPort, installer::notReadyReason);
    }
    LOG.info(
        "event=cni-agent-started resync_ms={} repair={} readiness_port={}",
        resync.toMillis(),
        repair != null,
        readinessPort);
  }

  void resync() {
    try {
      installer.refreshKubeconfig();
    } catch (RuntimeException e) {
      LOG.warn("event=cni-kubeconfig-refresh-failed reason=\"{}\"", e.getMessage());
    }
    try {
      installer.ensureChained();
    } catch (RuntimeException e) {
      LOG.warn("event=cni-rechain-failed reason=\"{}\"", e.getMessage());
    }
    if (repair != null && installer.notReadyReason().isEmpty()) {
      try {
        repair.reconcile();
      } catch (RuntimeException e) {
        LOG.warn("event=cni-repair-failed reason=\"{}\"", e.getMessage());
      }
    }
  }

  /**
   * Blocks until the agent is stopped (by {@link #close()}, from a shutdown hook) or interrupted.
   */
  public void awaitStop() throws InterruptedException {
    watchThread.join();
  }

  /**
   * Stops watching, then uninstalls when {@link RemovalCheck} says the installer is being removed.
   */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    scheduler.shutdownNow();
    if (watcher != null) {
      watcher.close();
      try {
        watchThread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    RemovalCheck.Answer answer = removal.check();
    if (answer.removed()) {
      installer.uninstall();
      LOG.info("event=cni-uninstalled reason=\"{}\"", answer.reason());
    } else {
      LOG.info("event=cni-left-in-place reason=\"{}\"", answer.reason());
    }
    if (readiness != null) {
      readiness.close();
    }
  }
}
