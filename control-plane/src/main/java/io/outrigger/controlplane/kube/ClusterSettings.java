package io.outrigger.controlplane.kube;

import io.outrigger.injector.inject.InjectorConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a control plane is in a cluster: its revision, its namespace, the webhook port, how it
 * reaches the API server, its own serving certificate, and how its replicas elect the one that
 * writes.
 *
 * @param revision the revision this control plane is ({@code --revision}); its sidecars dial only
 *     it, and its replicas share the leader Lease {@link #leaseName()}
 * @param namespace the control plane's namespace (never injected; its Service and its leader Lease
 *     live there)
 * @param webhookPort HTTPS admission webhooks ({@code /inject}, {@code /validate}; 15017); -1: none
 * @param kube the Kubernetes API (TokenReview, pod checks, root-cert ConfigMaps, Events, leader
 *     election, namespace labels, tags, webhook CA bundles); empty in host mode
 * @param servingCertTtl lifetime of the control plane's own serving certificate (TLS xDS and
 *     webhook), renewed at about half of it
 * @param extraServingNames more names in that certificate (an IP literal becomes an IP SAN: a
 *     webhook the API server calls by address)
 * @param leader the leader Lease's timings
 * @param checkPodSourceAddress a stream with a pod-bound token must come from that pod's IP: true
 *     when the control plane and the pods share a network (a cluster without NAT between them)
 * @param injector the hosted injector's config as given ({@code --injector-config}: sidecar image,
 *     the address sidecars dial, ...); its revision and namespace are this revision's and
 *     namespace, see {@link #injectorConfig}
 */
public record ClusterSettings(
    String revision,
    String namespace,
    int webhookPort,
    Optional<KubeConnection> kube,
    Duration servingCertTtl,
    List<String> extraServingNames,
    LeaderTimings leader,
    boolean checkPodSourceAddress,
    InjectorConfig injector) {

  public static final String DEFAULT_REVISION = "default";
  public static final String DEFAULT_NAMESPACE = "outrigger-system";
  public static final Duration DEFAULT_SERVING_CERT_TTL = Duration.ofHours(24);

  /**
   * Below this a renewal (at half-life, retried every 5 s on failure) could not land before expiry.
   */
  public static final Duration MIN_SERVING_CERT_TTL = Duration.ofSeconds(2);

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public ClusterSettings {
    Objects.requireNonNull(revision, "cluster settings: revision");
    Objects.requireNonNull(namespace, "cluster settings: namespace");
    Objects.requireNonNull(kube, "cluster settings: kube");
    Objects.requireNonNull(leader, "cluster settings: leader timings");
    if (!DNS_LABEL.matcher(revision).matches()) {
      throw new IllegalArgumentException(
          "revision '"
              + revision
              + "': must be a DNS label (lower case letters, digits and '-', at most 63 characters)");
    }
    if (!DNS_LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException(
          "namespace '" + namespace + "': not a Kubernetes namespace name");
    }
    if (servingCertTtl.compareTo(MIN_SERVING_CERT_TTL) < 0) {
      throw new IllegalArgumentException(
          "serving certificate TTL " + servingCertTtl + " is shorter than " + MIN_SERVING_CERT_TTL);
    }
    extraServingNames = List.copyOf(extraServingNames);
    injector = injector == null ? InjectorConfig.defaults() : injector;
  }

  /** With the built-in injector config. */
  public ClusterSettings(
      String revision,
      String namespace,
      int webhookPort,
      Optional<KubeConnection> kube,
      Duration servingCertTtl,
      List<String> extraServingNames,
      LeaderTimings leader,
      boolean checkPodSourceAddress) {
    this(
        revision,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        null);
  }

  /** The hosted injector's config as given (e.g. from {@code --injector-config}). */
  public ClusterSettings withInjector(InjectorConfig config) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        config);
  }

  /**
   * What this revision's injector puts in pods: the given config with this revision and namespace.
   * Its sidecars dial and verify this revision's Service unless the config names another address or
   * server name (e.g. a fixed Service IP where the pods have no cluster DNS). A config naming
   * another revision or namespace is refused: its sidecars would dial a control plane that is not
   * this one.
   */
  public InjectorConfig injectorConfig(int serviceXdsPort) {
    InjectorConfig given = injector;
    String givenHost = InjectorConfig.serviceHost(given.revision(), given.controlPlaneNamespace());
    if (!given.revision().equals(DEFAULT_REVISION) && !given.revision().equals(revision)) {
      throw new IllegalArgumentException(
          "injector config: revision '"
              + given.revision()
              + "' but this control plane"
              + " is revision '"
              + revision
              + "' (leave it out: --revision decides)");
    }
    if (!given.controlPlaneNamespace().equals(DEFAULT_NAMESPACE)
        && !given.controlPlaneNamespace().equals(namespace)) {
      throw new IllegalArgumentException(
          "injector config: controlPlaneNamespace '"
              + given.controlPlaneNamespace()
              + "' but this control plane runs in '"
              + namespace
              + "' (leave it out: --namespace decides)");
    }
    String address =
        given.controlPlaneAddress().equals(givenHost + ":15012")
            ? serviceHost() + ":" + serviceXdsPort
            : given.controlPlaneAddress();
    String serverName =
        given.controlPlaneServerName().equals(givenHost)
            ? serviceHost()
            : given.controlPlaneServerName();
    return new InjectorConfig(
        given.image(),
        revision,
        namespace,
        address,
        serverName,
        given.xdsApiType(),
        given.nativeSidecar(),
        given.apiServerVersion(),
        given.resources(),
        given.rewriteAppProbes(),
        given.holdApplicationUntilProxyStarts(),
        given.logLevel(),
        given.extraNeverInjectNamespaces());
  }

  /** Host mode: revision default, no webhook, no Kubernetes. */
  public static ClusterSettings none() {
    return new ClusterSettings(
        DEFAULT_REVISION,
        DEFAULT_NAMESPACE,
        -1,
        Optional.empty(),
        DEFAULT_SERVING_CERT_TTL,
        List.of(),
        LeaderTimings.DEFAULT,
        true,
        null);
  }

  /**
   * Against this API server, with the defaults: revision {@code default} in {@code
   * outrigger-system}, no webhook port, default leader timings, pod source addresses checked.
   */
  public static ClusterSettings of(KubeConnection connection) {
    return none().withKube(connection);
  }

  public ClusterSettings withKube(KubeConnection connection) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        Optional.of(connection),
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withRevision(String name) {
    return new ClusterSettings(
        name,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withNamespace(String name) {
    return new ClusterSettings(
        revision,
        name,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withWebhookPort(int port) {
    return new ClusterSettings(
        revision,
        namespace,
        port,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withServingCertTtl(Duration ttl) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        kube,
        ttl,
        extraServingNames,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withExtraServingNames(List<String> names) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        names,
        leader,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withLeaderTimings(LeaderTimings timings) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        timings,
        checkPodSourceAddress,
        injector);
  }

  public ClusterSettings withPodSourceAddressCheck(boolean check) {
    return new ClusterSettings(
        revision,
        namespace,
        webhookPort,
        kube,
        servingCertTtl,
        extraServingNames,
        leader,
        check,
        injector);
  }

  /** The API server; only for parts that need one. */
  public KubeConnection connection() {
    return kube.orElseThrow(
        () -> new IllegalStateException("cluster settings: no Kubernetes API configured"));
  }

  /**
   * {@code outrigger[-REVISION].NAMESPACE.svc}: the revision's Service, which its sidecars dial.
   */
  public String serviceHost() {
    return InjectorConfig.serviceHost(revision, namespace);
  }

  /** {@code outrigger-<revision>-leader}: one Lease per revision, so revisions elect separately. */
  public String leaseName() {
    return "outrigger-" + revision + "-leader";
  }
}
