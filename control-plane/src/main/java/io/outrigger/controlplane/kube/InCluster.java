package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.TokenReviewCallerAuthenticator;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.security.BoundPodCheck;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the control plane does with the Kubernetes API besides reading the mesh: TokenReview for
 * sidecar tokens, pod lookups for pod-bound tokens, and the leader-gated writes (root-cert
 * ConfigMaps, config-error Events, and any {@link LeaderGatedTask} added before {@link #start()}).
 * Every replica authenticates and serves; only the Lease holder writes.
 */
public final class InCluster implements AutoCloseable {
  private final ClusterSettings settings;
  private final KubernetesClient client;
  private final List<String> audiences;
  private final String identity = candidateIdentity();
  private final RootCertConfigMaps rootCerts;
  private final ConfigErrorEvents events;
  private final HttpRouteStatusWriter routeStatus;
  private final List<LeaderGatedTask> tasks = new ArrayList<>();
  private LeaderElection election;

  private InCluster(
      ClusterSettings settings,
      KubernetesClient client,
      List<String> audiences,
      Supplier<String> trustBundlePem) {
    this.settings = settings;
    this.client = client;
    this.audiences = List.copyOf(audiences);
    this.rootCerts = new RootCertConfigMaps(client, trustBundlePem);
    this.events = new ConfigErrorEvents(client, identity, Clock.systemUTC());
    this.routeStatus = new HttpRouteStatusWriter(client, Clock.systemUTC());
    tasks.add(rootCerts);
    tasks.add(events);
    tasks.add(routeStatus);
  }

  /**
   * Connects (nothing is written until {@link #start()} and the Lease is won).
   *
   * @param trustBundlePem the mesh trust bundle now, for the root-cert ConfigMaps
   */
  public static InCluster connect(
      ClusterSettings settings, List<String> audiences, Supplier<String> trustBundlePem) {
    return new InCluster(settings, settings.connection().newClient(), audiences, trustBundlePem);
  }

  /** TokenReview against this API server, for the given audiences. */
  public CallerAuthenticator tokenReviews() {
    return new TokenReviewCallerAuthenticator(client, audiences);
  }

  public BoundPodCheck boundPods() {
    return new BoundPodCheck(new KubePods(client), settings.checkPodSourceAddress());
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * Another writer that must run on the leader only (webhook CA bundles, ...); before {@link
   * #start()}.
   */
  public synchronized void addLeaderTask(LeaderGatedTask task) {
    if (election != null) {
      throw new IllegalStateException(
          "leader task " + task.name() + ": add it before the election starts");
    }
    tasks.add(task);
  }

  /** Stands for the Lease; {@code outrigger_leader{lease}} is 1 while this replica holds it. */
  public synchronized void start(MeterRegistry meters) {
    election =
        new LeaderElection(
            client, settings.namespace(), settings.leaseName(), identity, settings.leader(), tasks);
    LeaderElection e = election;
    Gauge.builder("outrigger_leader", () -> e.leading() ? 1 : 0)
        .tag("lease", settings.leaseName())
        .description("1 while this replica holds the revision's leader Lease and does its writes")
        .register(meters);
    election.start();
  }

  public synchronized boolean leading() {
    return election != null && election.leading();
  }

  /** The mesh's config errors now; the leader turns them into Events. */
  public void configErrors(List<ConfigError> errors) {
    events.errorsChanged(errors);
  }

  /** The mesh's HTTPRoutes and errors now; the leader writes the routes' status. */
  public void httpRoutes(List<HttpRouteConfig> routes, List<ConfigError> errors) {
    routeStatus.meshChanged(routes, errors);
  }

  /** The trust bundle changed (root rotation): the leader rewrites every root-cert ConfigMap. */
  public void trustBundleChanged() {
    rootCerts.bundleChanged();
  }

  public ClusterSettings settings() {
    return settings;
  }

  @Override
  public synchronized void close() {
    if (election != null) {
      election.close();
    }
    client.close();
  }

  /**
   * The pod name (HOSTNAME in a pod) plus a per-start suffix: two processes on one host never
   * collide.
   */
  private static String candidateIdentity() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "outrigger";
      }
    }
    return host + "_" + UUID.randomUUID().toString().substring(0, 8);
  }
}
