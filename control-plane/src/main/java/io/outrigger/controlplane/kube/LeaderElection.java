package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands for the revision's leader Lease ({@code coordination.k8s.io}, fabric8's LeaderElector) and
 * runs the {@link LeaderGatedTask}s while it holds it. Serving xDS is never gated: every replica
 * serves its sidecars; only writes to the API server are. Losing the Lease (renewal failed past the
 * deadline, the API server unreachable) stops the tasks at once and stands again; closing releases
 * the Lease so the other replica takes over without waiting for it to expire.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String leaseName;
  private final String identity;
  private final LeaderTimings timings;
  private final List<LeaderGatedTask> tasks;
  private final Thread candidate;
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile CompletableFuture<?> term = CompletableFuture.completedFuture(null);
  private volatile boolean leading;

  LeaderElection(
      KubernetesClient client,
      String namespace,
      String leaseName,
      String identity,
      LeaderTimings timings,
      List<LeaderGatedTask> tasks) {
    this.client = client;
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.identity = identity;
    this.timings = timings;
    this.tasks = List.copyOf(tasks);
    this.candidate = new Thread(this::stand, "outrigger-leader-election");
    this.candidate.setDaemon(true);
  }

  void start() {
    log.info(
        "event=leader_election_started lease={}/{} identity={} lease_duration_s={} renew_deadline_s={} "
            + "retry_period_s={} tasks={}",
        namespace,
        leaseName,
        identity,
        timings.leaseDuration().toSeconds(),
        timings.renewDeadline().toSeconds(),
        timings.retryPeriod().toSeconds(),
        tasks.stream().map(LeaderGatedTask::name).toList());
    candidate.start();
  }

  /**
   * Whether the Lease's namespace exists (a list by name: the registry's list right is enough). An
   * API error counts as existing: the elector then reports it as before.
   */
  private boolean namespaceExists() {
    try {
      return !client.namespaces().withField("metadata.name", namespace).list().getItems().isEmpty();
    } catch (KubernetesClientException e) {
      return true;
    }
  }

  public boolean leading() {
    return leading;
  }

  public String identity() {
    return identity;
  }

  /** One term after another: a lost Lease ends fabric8's elector, so stand again until closed. */
  private void stand() {
    boolean waitingLogged = false;
    while (closed.getCount() > 0) {
      if (!namespaceExists()) {
        // fabric8's elector would log a stack trace per retry (404 on the Lease's POST): say it
        // once.
        if (!waitingLogged) {
          log.warn(
              "event=leader_election_waiting lease={}/{} reason=\"namespace {} not found: create it (the"
                  + " chart does) or start with --namespace of an existing one; no leader writes until then\"",
              namespace,
              leaseName,
              namespace);
          waitingLogged = true;
        }
        awaitClose(timings.retryPeriod().toMillis() * 5);
        continue;
      }
      if (waitingLogged) {
        log.info("event=leader_election_namespace_found lease={}/{}", namespace, leaseName);
        waitingLogged = false;
      }
      var config =
          new LeaderElectionConfigBuilder()
              .withName(leaseName)
              .withLock(new LeaseLock(namespace, leaseName, identity))
              .withLeaseDuration(timings.leaseDuration())
              .withRenewDeadline(timings.renewDeadline())
              .withRetryPeriod(timings.retryPeriod())
              .withReleaseOnCancel(true)
              .withLeaderCallbacks(
                  new LeaderCallbacks(this::startLeading, this::stopLeading, this::newLeader))
              .build();
      CompletableFuture<?> current = client.leaderElector().withConfig(config).build().start();
      term = current;
      if (closed.getCount() == 0) {
        current.cancel(true);
      }
      try {
        current.join();
      } catch (RuntimeException e) {
        if (closed.getCount() > 0) {
          log.warn(
              "event=leader_election_error lease={}/{} error=\"{}\"",
              namespace,
              leaseName,
              e.getMessage());
        }
      }
      stopLeading();
      awaitClose(timings.retryPeriod().toMillis());
    }
  }

  private synchronized void startLeading() {
    if (leading) {
      return;
    }
    leading = true;
    log.info("event=leader_elected lease={}/{} identity={}", namespace, leaseName, identity);
    for (LeaderGatedTask task : tasks) {
      try {
        task.startLeading();
      } catch (RuntimeException e) {
        log.error(
            "event=leader_task_start_failed task={} error=\"{}\"", task.name(), e.getMessage(), e);
      }
    }
  }

  private synchronized void stopLeading() {
    if (!leading) {
      return;
    }
    leading = false;
    for (LeaderGatedTask task : tasks) {
      try {
        task.stopLeading();
      } catch (RuntimeException e) {
        log.error(
            "event=leader_task_stop_failed task={} error=\"{}\"", task.name(), e.getMessage(), e);
      }
    }
    log.info("event=leader_lost lease={}/{} identity={}", namespace, leaseName, identity);
  }

  private void newLeader(String holder) {
    log.info(
        "event=leader_observed lease={}/{} holder={} self={}",
        namespace,
        leaseName,
        holder,
        identity.equals(holder));
  }

  private void awaitClose(long millis) {
    try {
      closed.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the tasks and releases the Lease (when held) so another replica leads at once. */
  @Override
  public void close() {
    closed.countDown();
    term.cancel(true);
    try {
      candidate.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopLeading();
  }
}
