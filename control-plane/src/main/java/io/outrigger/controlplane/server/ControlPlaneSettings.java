package io.outrigger.controlplane.server;

import io.outrigger.controlplane.kube.ClusterSettings;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.registry.source.RegistrySource;
import io.outrigger.controlplane.xds.Debounce;
import io.outrigger.sidecar.ControlPlanePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a control plane runs. Ports may be 0 (ephemeral: read the bound port from {@link
 * ControlPlane}); a plaintext port of -1 disables it. The plaintext port only ever binds loopback
 * and only in host mode: it authenticates nobody.
 *
 * @param registry where the mesh comes from (the file registry's directory in host mode)
 * @param bindAddress where the TLS xDS port listens
 * @param monitoringBindAddress where the monitoring port listens (loopback unless operators need
 *     it)
 * @param xdsPlaintextPort loopback plaintext ADS (15010), host mode only; -1 to disable
 * @param xdsTlsPort TLS ADS and the CA service (15012), token-authenticated
 * @param monitoringPort /metrics and /debug (15014)
 * @param caDir the mesh CA directory (cacerts layout), created on first start
 * @param mesh mesh-wide settings: the SPIFFE trust domain, the root namespace, the outbound traffic
 *     policy
 * @param debounce how registry changes are batched into pushes
 * @param workloadCertTtl lifetime of the {@code default} SDS certificates (renewed at half-life)
 * @param hostMode true: tokens are verified with the control plane's own host-mode key
 * @param serverDnsNames DNS SANs of the TLS port's certificate; sidecars verify the first one
 * @param tokenAudiences audiences a caller's token must carry
 * @param cluster revision, webhook, Kubernetes connection and serving certificate ({@link
 *     ClusterSettings#none()} in host mode)
 */
public record ControlPlaneSettings(
    RegistrySource registry,
    String bindAddress,
    String monitoringBindAddress,
    int xdsPlaintextPort,
    int xdsTlsPort,
    int monitoringPort,
    Path caDir,
    MeshSettings mesh,
    Debounce debounce,
    Duration workloadCertTtl,
    boolean hostMode,
    List<String> serverDnsNames,
    List<String> tokenAudiences,
    ClusterSettings cluster) {

  public static final String DEFAULT_SERVER_NAME = "outrigger-control-plane.outrigger-system.svc";
  public static final String TOKEN_AUDIENCE = "outrigger";
  public static final String HOST_MODE_ISSUER = "outrigger-host-mode";

  /**
   * Workload certificates are renewed at about half their life and the renewal push is coalesced
   * into 5-second slots; below this the push could arrive after the certificate expired.
   */
  public static final Duration MIN_WORKLOAD_CERT_TTL = Duration.ofSeconds(15);

  private static final String LOOPBACK = "127.0.0.1";

  public ControlPlaneSettings {
    Objects.requireNonNull(registry, "control plane settings: registry");
    Objects.requireNonNull(caDir, "control plane settings: CA directory");
    Objects.requireNonNull(mesh, "control plane settings: mesh settings");
    Objects.requireNonNull(cluster, "control plane settings: cluster settings");
    if (serverDnsNames.isEmpty()) {
      throw new IllegalArgumentException(
          "control plane settings: the TLS certificate needs a DNS name");
    }
    if (!hostMode && xdsPlaintextPort >= 0) {
      throw new IllegalArgumentException(
          "control plane settings: the plaintext xDS port "
              + xdsPlaintextPort
              + " authenticates nobody and exists only in host mode");
    }
    if (workloadCertTtl.compareTo(MIN_WORKLOAD_CERT_TTL) < 0) {
      throw new IllegalArgumentException(
          "control plane settings: workload certificate TTL "
              + workloadCertTtl
              + " is shorter than "
              + MIN_WORKLOAD_CERT_TTL
              + ": the renewal push could land after expiry");
    }
    if (hostMode && cluster.kube().isPresent()) {
      throw new IllegalArgumentException(
          "control plane settings: host mode verifies tokens with its own key; "
              + "with a Kubernetes API server ("
              + cluster.connection().describe()
              + ") it uses TokenReview");
    }
    serverDnsNames = List.copyOf(serverDnsNames);
    tokenAudiences = List.copyOf(tokenAudiences);
  }

  /**
   * Host mode on Istio's port numbers: TLS xDS on all addresses, plaintext and monitoring on
   * loopback.
   */
  public static ControlPlaneSettings hostMode(Path registryDir, Path caDir) {
    return new ControlPlaneSettings(
        RegistrySource.directory(registryDir),
        "0.0.0.0",
        LOOPBACK,
        ControlPlanePorts.XDS_PLAINTEXT,
        ControlPlanePorts.XDS_TLS,
        15014,
        caDir,
        MeshSettings.defaults(),
        Debounce.DEFAULT,
        Duration.ofHours(24),
        true,
        List.of(DEFAULT_SERVER_NAME),
        List.of(TOKEN_AUDIENCE),
        ClusterSettings.none());
  }

  /**
   * Host mode with TLS xDS on {@code xdsHost} (e.g. the pod bridge's gateway, so pods reach it),
   * the given TLS and monitoring ports (0: ephemeral), monitoring and an ephemeral plaintext port
   * on loopback.
   */
  public static ControlPlaneSettings hostMode(
      Path registryDir, Path caDir, String xdsHost, int xdsTlsPort, int monitoringPort) {
    return hostMode(registryDir, caDir)
        .withBindAddress(xdsHost)
        .withPorts(0, xdsTlsPort, monitoringPort);
  }

  /** Host mode on ephemeral loopback ports: what tests on the host start. */
  public static ControlPlaneSettings forTests(Path registryDir, Path caDir) {
    return hostMode(registryDir, caDir, LOOPBACK, 0, 0);
  }

  /** The same settings reading another registry. */
  public ControlPlaneSettings withRegistry(RegistrySource source) {
    return new ControlPlaneSettings(
        source,
        bindAddress,
        monitoringBindAddress,
        xdsPlaintextPort,
        xdsTlsPort,
        monitoringPort,
        caDir,
        mesh,
        debounce,
        workloadCertTtl,
        hostMode,
        serverDnsNames,
        tokenAudiences,
        cluster);
  }

  public ControlPlaneSettings withPorts(int plaintext, int tls, int monitoring) {
    return with(bindAddress, plaintext, tls, monitoring, mesh, workloadCertTtl);
  }

  public ControlPlaneSettings withBindAddress(String address) {
    return with(address, xdsPlaintextPort, xdsTlsPort, monitoringPort, mesh, workloadCertTtl);
  }

  public ControlPlaneSettings withWorkloadCertTtl(Duration ttl) {
    return with(bindAddress, xdsPlaintextPort, xdsTlsPort, monitoringPort, mesh, ttl);
  }

  public ControlPlaneSettings withTrustDomain(String domain) {
    return with(
        bindAddress,
        xdsPlaintextPort,
        xdsTlsPort,
        monitoringPort,
        mesh.withTrustDomain(domain),
        workloadCertTtl);
  }

  /** What sidecars do with traffic to a destination the registry does not know. */
  public ControlPlaneSettings withOutboundTrafficPolicy(OutboundTrafficPolicy policy) {
    return with(
        bindAddress,
        xdsPlaintextPort,
        xdsTlsPort,
        monitoringPort,
        mesh.withOutboundTrafficPolicy(policy),
        workloadCertTtl);
  }

  /**
   * Revision, webhook, Kubernetes connection and serving certificate. With a Kubernetes API server
   * the control plane is not in host mode (tokens by TokenReview), so it has no plaintext port.
   */
  public ControlPlaneSettings withCluster(ClusterSettings value) {
    boolean kube = value.kube().isPresent();
    return new ControlPlaneSettings(
        registry,
        bindAddress,
        monitoringBindAddress,
        kube ? -1 : xdsPlaintextPort,
        xdsTlsPort,
        monitoringPort,
        caDir,
        mesh,
        debounce,
        workloadCertTtl,
        hostMode && !kube,
        serverDnsNames,
        tokenAudiences,
        value);
  }

  /**
   * The one copy behind every wither: its parameters are exactly the settings a wither can change.
   */
  private ControlPlaneSettings with(
      String bind,
      int plaintext,
      int tls,
      int monitoring,
      MeshSettings meshSettings,
      Duration ttl) {
    return new ControlPlaneSettings(
        registry,
        bind,
        monitoringBindAddress,
        plaintext,
        tls,
        monitoring,
        caDir,
        meshSettings,
        debounce,
        ttl,
        hostMode,
        serverDnsNames,
        tokenAudiences,
        cluster);
  }

  /**
   * Every name in the control plane's serving certificate: the configured server names, the
   * revision's Service (what injected sidecars dial and verify), and any extra names (IP literals
   * for tests).
   */
  public List<String> servingNames() {
    LinkedHashSet<String> names = new LinkedHashSet<>(serverDnsNames);
    names.add(cluster.serviceHost());
    names.addAll(cluster.extraServingNames());
    return List.copyOf(names);
  }

  /** The SPIFFE trust domain (part of the mesh-wide settings). */
  public String trustDomain() {
    return mesh.trustDomain();
  }

  /** The name sidecars verify the TLS port's certificate against. */
  public String serverName() {
    return serverDnsNames.get(0);
  }
}
