package io.outrigger.controlplane.server;

import io.grpc.Server;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.debug.MonitoringServer;
import io.outrigger.controlplane.kube.InCluster;
import io.outrigger.controlplane.registry.Registry;
import io.outrigger.controlplane.security.WorkloadSecrets;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.webhook.WebhookCaBundles;
import io.outrigger.controlplane.xds.ProxyStreams;
import io.outrigger.controlplane.xds.PushEngine;
import io.outrigger.controlplane.xds.XdsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * The running control plane: registry, push engine, ADS on the TLS port (and loopback plaintext in
 * host mode), the CA, and the monitoring port. Closing it stops everything it started.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  /**
   * Marks the event that says the control plane serves now (the CLI shows its held start-up log
   * then).
   */
  private static final Marker READY = MarkerFactory.getMarker("READY");

  private final ControlPlaneSettings settings;
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /**
   * Swapped when the CA directory is rewritten (root rotation); readers take it through {@code ()
   * -> ca}.
   */
  private volatile MeshCa ca;

  private final HostModeTokens tokens;
  private final Registry registry;
  private final ProxyStreams streams = new ProxyStreams();
  private final XdsMetrics xdsMetrics = new XdsMetrics(meters);
  private final MeshTelemetry telemetry =
      new MeshTelemetry(MeshTelemetry.DEFAULT_WINDOW, Clock.systemUTC());
  private final PushEngine push;
  private final ServingCertificate serving;
  private final XdsServers servers;
  private final HostedWebhooks webhooks;
  private final MonitoringServer monitoring;
  private final Optional<InCluster> cluster;
  private final CaReloader caReloader;

  private ControlPlane(ControlPlaneSettings settings, ProxyConfigSource config) throws IOException {
    this.settings = settings;
    CaSettings caSettings = CaSettings.defaults().withTrustDomain(settings.trustDomain());
    this.ca = MeshCa.loadOrInit(settings.caDir(), caSettings, meters);
    this.tokens =
        HostModeTokens.loadOrInit(settings.caDir(), ControlPlaneSettings.HOST_MODE_ISSUER);
    this.registry = settings.registry().open();
    WorkloadSecrets secrets =
        new WorkloadSecrets(() -> ca, settings.workloadCertTtl(), Clock.systemUTC(), this::renewAt);
    MeshSnapshots snapshots = new MeshSnapshots(registry::current, config, secrets);
    // What started is stopped again if a later part fails (a port in use, say), so a failed start
    // leaves no bound port, watch thread or push pool behind in the JVM that asked for it.
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      this.push =
          new PushEngine(
              streams,
              snapshots,
              xdsMetrics,
              settings.debounce(),
              Runtime.getRuntime().availableProcessors());
      started.push(push);
      xdsMetrics.connectedProxies(streams::size);
      this.cluster =
          settings
              .cluster()
              .kube()
              .map(
                  kube ->
                      InCluster.connect(
                          settings.cluster(),
                          settings.tokenAudiences(),
                          () -> ca.trustBundle().pem()));
      cluster.ifPresent(started::push);
      registry.addListener(mesh -> push.changed());
      cluster.ifPresent(c -> registry.addListener(mesh -> c.configErrors(mesh.errors())));
      cluster.ifPresent(
          c -> registry.addListener(mesh -> c.httpRoutes(mesh.httpRoutes(), mesh.errors())));
      started.push(registry);
      registry.start();
      CallerAuthenticator callers =
          cluster
              .map(InCluster::tokenReviews)
              .orElseGet(() -> tokens.verifier(settings.tokenAudiences()));
      this.serving =
          ServingCertificate.start(
              "control-plane",
              () -> ca,
              SpiffeId.of(ca.trustDomain(), XdsServers.CONTROL_PLANE_IDENTITY),
              settings.servingNames(),
              settings.cluster().servingCertTtl());
      started.push(serving);
      this.servers =
          XdsServers.start(
              settings,
              () -> ca,
              serving,
              callers,
              cluster.map(InCluster::boundPods),
              registry::current,
              snapshots,
              streams,
              xdsMetrics,
              telemetry);
      started.push(servers);
      this.webhooks =
          HostedWebhooks.start(
              settings, serving, () -> ca.trustBundle().pem(), registry::current, cluster);
      started.push(webhooks);
      cluster.ifPresent(
          c -> {
            c.configErrors(registry.current().errors());
            c.httpRoutes(registry.current().httpRoutes(), registry.current().errors());
            c.start(meters);
          });
      this.caReloader =
          new CaReloader(
              settings.caDir(),
              () -> MeshCa.loadOrInit(settings.caDir(), caSettings, meters),
              this::caReloaded,
              meters);
      started.push(caReloader);
      caReloader.start();
      InetSocketAddress monitoringAddress =
          new InetSocketAddress(settings.monitoringBindAddress(), settings.monitoringPort());
      try {
        this.monitoring =
            new MonitoringServer(
                monitoringAddress, meters, new ControlPlaneDebug(registry, streams, telemetry));
      } catch (BindException e) {
        throw new PortUnavailableException(
            PortUnavailableException.Port.MONITORING, monitoringAddress, e);
      }
    } catch (IOException | RuntimeException e) {
      stopAll(started, e);
      throw e;
    }
    log.info(
        READY,
        "event=control_plane_started registry={} revision={} xds_tls_port={} xds_plaintext_port={} "
            + "webhook_port={} monitoring_port={} trust_domain={} host_mode={}",
        settings.registry(),
        settings.cluster().revision(),
        xdsTlsPort(),
        xdsPlaintextPort(),
        webhookPort(),
        monitoringPort(),
        ca.trustDomain(),
        settings.hostMode());
  }

  /** Starts a control plane generating sidecar config with the mesh's generators. */
  public static ControlPlane start(ControlPlaneSettings settings) {
    return start(settings, GeneratedProxyConfig.create(settings.mesh()));
  }

  /** Starts a control plane with a given config source (tests that need a specific shape). */
  public static ControlPlane start(ControlPlaneSettings settings, ProxyConfigSource config) {
    try {
      return new ControlPlane(settings, config);
    } catch (IOException e) {
      throw new UncheckedIOException("control plane: cannot start: " + e.getMessage(), e);
    }
  }

  public int xdsPlaintextPort() {
    return servers.plaintextPort();
  }

  public int xdsTlsPort() {
    return servers.tlsPort();
  }

  /** The admission webhooks' HTTPS port, -1 when they are off. */
  public int webhookPort() {
    return webhooks.port();
  }

  /**
   * The CA bundle writer of this revision's webhook configurations, when connected to Kubernetes.
   */
  public Optional<WebhookCaBundles> webhookCaBundles() {
    return webhooks.caBundles();
  }

  /** The certificate new TLS handshakes on the xDS and webhook ports get now. */
  public X509Certificate servingCertificate() {
    return serving.get().leaf();
  }

  public int monitoringPort() {
    return monitoring.port();
  }

  public Path caDir() {
    return settings.caDir();
  }

  /** The TLS port certificate's DNS name, which a sidecar bootstrap must verify. */
  public String serverName() {
    return settings.serverName();
  }

  /** The mesh trust bundle (PEM): what sidecars verify the TLS port and each other with. */
  public String rootCertPem() {
    return ca.trustBundle().pem();
  }

  public String trustDomain() {
    return ca.trustDomain();
  }

  /** A host-mode token for {@code identity}, as a projected service-account token would be. */
  public String mintToken(WorkloadIdentity identity, Duration ttl) {
    return tokens.mint(identity, settings.tokenAudiences(), ttl);
  }

  public Registry registry() {
    return registry;
  }

  public XdsMetrics xdsMetrics() {
    return xdsMetrics;
  }

  public PrometheusMeterRegistry meters() {
    return meters;
  }

  /**
   * A new trust bundle reaches sidecars (ROOTCA) and, through the leader, every namespace's
   * ConfigMap.
   */
  private void caReloaded(MeshCa reloaded) {
    this.ca = reloaded;
    push.recomputeAt(java.time.Instant.now());
    cluster.ifPresent(InCluster::trustBundleChanged);
  }

  /**
   * Whether this replica holds its revision's leader Lease (always false without a Kubernetes API).
   */
  public boolean leading() {
    return cluster.map(InCluster::leading).orElse(false);
  }

  /** Certificates are renewed by recomputing every proxy's snapshot at their renewal time. */
  private void renewAt(java.time.Instant at) {
    push.recomputeAt(at);
  }

  @Override
  public void close() {
    caReloader.close();
    cluster.ifPresent(InCluster::close);
    webhooks.close();
    servers.close();
    serving.close();
    monitoring.close();
    push.close();
    registry.close();
    log.info("event=control_plane_stopped");
  }

  private static void stopAll(Deque<AutoCloseable> started, Exception cause) {
    for (AutoCloseable part : started) {
      try {
        part.close();
      } catch (Exception e) {
        cause.addSuppressed(e);
      }
    }
  }

  static void awaitTermination(List<Server> servers) {
    for (Server s : servers) {
      try {
        s.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
