package io.outrigger.controlplane.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.certs.CaSettings;
import io.outrigger.controlplane.kube.CaSecret;
import io.outrigger.controlplane.kube.ClusterSettings;
import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.kube.LeaderTimings;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.registry.source.RegistrySource;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.controlplane.server.PortUnavailableException;
import io.outrigger.controlplane.xds.Debounce;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.sidecar.ControlPlanePorts;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outrigger control-plane}: runs the xDS control plane until stopped (SIGTERM, Ctrl-C). */
@Command(
    name = "control-plane",
    mixinStandardHelpOptions = true,
    description =
        "Run the xDS control plane: registry -> sidecar config -> ADS (SotW and Delta), SDS, CA, "
            + "metrics and debug on the monitoring port.")
public final class ControlPlaneCommand implements Callable<Integer> {

  @Option(
      names = "--registry",
      required = true,
      converter = RegistryOption.class,
      paramLabel = "REGISTRY",
      description =
          "Where the mesh is described: file:DIR (YAML: Services, Pods, EndpointSlices, WorkloadEntries,"
              + " Istio config), kube (the Kubernetes API as this pod's service account) or kube:KUBECONFIG (the API"
              + " of a kubeconfig's current context). Repeat it to merge registries into one mesh; an object defined"
              + " in two of them is a config error and the first one given wins.")
  List<RegistrySource> registries;

  @Option(
      names = "--xds-port",
      defaultValue = "" + ControlPlanePorts.XDS_PLAINTEXT,
      description =
          "Plaintext ADS on 127.0.0.1 only, unauthenticated (host mode); -1 disables. Default ${DEFAULT-VALUE}.")
  int xdsPort;

  @Option(
      names = "--xds-tls-port",
      defaultValue = "" + ControlPlanePorts.XDS_TLS,
      description = "TLS ADS and CA, token-authenticated. Default ${DEFAULT-VALUE}.")
  int xdsTlsPort;

  @Option(
      names = "--monitoring-port",
      defaultValue = "15014",
      description = "/metrics and /debug/*. Default ${DEFAULT-VALUE}.")
  int monitoringPort;

  @Option(
      names = "--bind-address",
      defaultValue = "0.0.0.0",
      description = "Address of the TLS xDS port. Default ${DEFAULT-VALUE}.")
  String bindAddress;

  @Option(
      names = "--monitoring-address",
      defaultValue = "127.0.0.1",
      description = "Address of the monitoring port. Default ${DEFAULT-VALUE}.")
  String monitoringAddress;

  @Option(
      names = "--ca-dir",
      defaultValue = "${env:OUTRIGGER_CA_DIR:-/var/lib/outrigger/ca}",
      description =
          "Mesh CA directory (Istio cacerts layout), created on first start. Default ${DEFAULT-VALUE}.")
  Path caDir;

  @Option(
      names = "--ca-secret",
      paramLabel = "NAME",
      description =
          "With a Kubernetes API server: the mesh CA is Secret NAME in --namespace (cacerts keys), copied "
              + "into --ca-dir (then an empty, pod-local directory) at start; created with a new self-signed root when "
              + "absent (the first replica's create wins), so every replica and restart shares one root.")
  String caSecret;

  @Option(
      names = "--injector-config",
      paramLabel = "FILE",
      description =
          "The hosted injector's config (YAML, as 'outrigger webhook --config': image, "
              + "controlPlaneAddress, controlPlaneServerName, ...); revision and namespace come from --revision and "
              + "--namespace. Default: the built-in one.")
  Path injectorConfig;

  @Option(
      names = "--trust-domain",
      defaultValue = "cluster.local",
      description = "SPIFFE trust domain.")
  String trustDomain;

  @Option(
      names = "--outbound-traffic-policy",
      defaultValue = "ALLOW_ANY",
      description =
          "Traffic to a destination the registry does not know: ALLOW_ANY passes it through, "
              + "REGISTRY_ONLY refuses it in the sidecar (Istio's outboundTrafficPolicy.mode). Default ${DEFAULT-VALUE}.")
  OutboundTrafficPolicy outboundTrafficPolicy;

  @Option(
      names = "--server-name",
      defaultValue = ControlPlaneSettings.DEFAULT_SERVER_NAME,
      description =
          "DNS name in the TLS port's certificate, which sidecars verify. Default ${DEFAULT-VALUE}.")
  String serverName;

  @Option(
      names = "--debounce-quiet",
      defaultValue = "100ms",
      converter = DurationOption.class,
      description = "Push once changes have been quiet this long. Default ${DEFAULT-VALUE}.")
  Duration debounceQuiet;

  @Option(
      names = "--debounce-max",
      defaultValue = "1s",
      converter = DurationOption.class,
      description = "...but no later than this after the first change. Default ${DEFAULT-VALUE}.")
  Duration debounceMax;

  @Option(
      names = "--workload-cert-ttl",
      defaultValue = "24h",
      converter = DurationOption.class,
      description =
          "Lifetime of workload certificates served over SDS (renewed at half-life). Default ${DEFAULT-VALUE}.")
  Duration workloadCertTtl;

  @Option(
      names = "--kubeconfig",
      paramLabel = "PATH",
      description =
          "Work with the Kubernetes API server of this kubeconfig: TokenReview for sidecar tokens, "
              + "root-cert ConfigMaps, config-error Events, leader election, namespace labels and tags for the "
              + "webhooks, their CA bundles. Turns host mode (and --xds-port) off. "
              + "Default: the API server of the first --registry kube[:KUBECONFIG], if any.")
  Path kubeconfig;

  @Option(
      names = "--in-cluster",
      description = "As --kubeconfig, with the pod's own service account.")
  boolean inCluster;

  @Option(
      names = "--revision",
      defaultValue = ClusterSettings.DEFAULT_REVISION,
      description =
          "The revision this control plane is: it injects only namespaces that select it (label "
              + "outrigger.io/rev or istio.io/rev = this name or one of its tags; injection=enabled selects 'default'), "
              + "its sidecars dial only it, and its replicas share the leader Lease outrigger-<revision>-leader. "
              + "Default ${DEFAULT-VALUE}.")
  String revision;

  @Option(
      names = "--namespace",
      defaultValue = "${env:POD_NAMESPACE:-" + ClusterSettings.DEFAULT_NAMESPACE + "}",
      description =
          "The control plane's namespace (its Service outrigger[-REVISION] and its leader Lease live "
              + "there; never injected). Default ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--webhook-port",
      description =
          "HTTPS admission webhooks (/inject, /validate). Default 15017 with a Kubernetes API server, "
              + "off without; -1 disables.")
  Integer webhookPort;

  @Option(
      names = "--serving-cert-ttl",
      defaultValue = "24h",
      converter = DurationOption.class,
      description =
          "Lifetime of the control plane's own certificate (TLS xDS and webhook ports), renewed at "
              + "about half of it without a restart. Default ${DEFAULT-VALUE}.")
  Duration servingCertTtl;

  @Option(
      names = "--extra-serving-name",
      paramLabel = "NAME",
      description =
          "Another DNS name or IP address in that certificate (repeatable), e.g. the address the API "
              + "server calls a webhook outside the cluster by.")
  List<String> extraServingNames = List.of();

  @Option(
      names = "--pod-source-check",
      defaultValue = "true",
      arity = "1",
      description =
          "With a pod-bound token, the stream must come from the pod's IP (true when the control plane "
              + "and the pods share a network, no NAT between them). Default ${DEFAULT-VALUE}.")
  boolean podSourceCheck;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    checkPort("--xds-port", xdsPort, -1);
    checkPort("--xds-tls-port", xdsTlsPort, 0);
    checkPort("--monitoring-port", monitoringPort, 0);
    checkAddress("--bind-address", bindAddress);
    checkAddress("--monitoring-address", monitoringAddress);
    if (workloadCertTtl.compareTo(ControlPlaneSettings.MIN_WORKLOAD_CERT_TTL) < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--workload-cert-ttl "
              + String.join(" ", spec.findOption("--workload-cert-ttl").stringValues())
              + ": must be at least "
              + ControlPlaneSettings.MIN_WORKLOAD_CERT_TTL.toSeconds()
              + "s, so the renewal push lands before expiry");
    }
    Optional<KubeConnection> kube = kubeConnection();
    int webhook = webhookPort != null ? webhookPort : kube.isPresent() ? 15017 : -1;
    checkPort("--webhook-port", webhook, -1);
    ClusterSettings cluster;
    try {
      cluster =
          new ClusterSettings(
              revision,
              namespace,
              webhook,
              kube,
              servingCertTtl,
              extraServingNames,
              LeaderTimings.DEFAULT,
              podSourceCheck);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (injectorConfig != null) {
      try {
        cluster = cluster.withInjector(InjectorConfig.load(injectorConfig));
        cluster.injectorConfig(15012);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--injector-config " + e.getMessage());
      }
    }
    if (caSecret != null) {
      KubeConnection connection =
          kube.orElseThrow(
              () ->
                  new ParameterException(
                      spec.commandLine(),
                      "--ca-secret "
                          + caSecret
                          + ": needs a Kubernetes API server (--in-cluster, --kubeconfig or --registry kube)"));
      try (KubernetesClient client = connection.newClient()) {
        CaSecret.materialize(
            client, namespace, caSecret, caDir, CaSettings.defaults().withTrustDomain(trustDomain));
      }
    }
    MeshSettings mesh =
        MeshSettings.defaults()
            .withTrustDomain(trustDomain)
            .withOutboundTrafficPolicy(outboundTrafficPolicy);
    ControlPlaneSettings settings =
        new ControlPlaneSettings(
                RegistrySource.merged(registries),
                bindAddress,
                monitoringAddress,
                xdsPort,
                xdsTlsPort,
                monitoringPort,
                caDir,
                mesh,
                new Debounce(debounceQuiet, debounceMax),
                workloadCertTtl,
                true,
                List.of(serverName),
                List.of(ControlPlaneSettings.TOKEN_AUDIENCE),
                ClusterSettings.none())
            .withCluster(cluster);
    // On SIGTERM the hook waits for the close below, so streams end cleanly before the JVM halts.
    Thread hook = new Thread(this::stopAndAwaitClose, "outrigger-control-plane-stop");
    try (ControlPlane controlPlane = start(settings)) {
      Runtime.getRuntime().addShutdownHook(hook);
      stopped.await();
    } finally {
      closed.countDown();
      removeHook(hook);
    }
    return 0;
  }

  /**
   * The API server named by --kubeconfig/--in-cluster, else the first Kubernetes registry's, else
   * none.
   */
  private Optional<KubeConnection> kubeConnection() {
    if (kubeconfig != null && inCluster) {
      throw new ParameterException(
          spec.commandLine(), "--kubeconfig and --in-cluster: give one of them");
    }
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      throw new ParameterException(
          spec.commandLine(),
          "--kubeconfig "
              + kubeconfig
              + ": "
              + (Files.exists(kubeconfig) ? "not readable" : "does not exist"));
    }
    Optional<KubeConnection> named =
        inCluster
            ? Optional.of(KubeConnection.inCluster())
            : Optional.ofNullable(kubeconfig).map(KubeConnection::kubeconfig);
    return named.or(
        () ->
            registries.stream()
                .filter(RegistrySource.Kube.class::isInstance)
                .map(r -> ((RegistrySource.Kube) r).connection())
                .findFirst());
  }

  /** Starts the control plane; a port that cannot be bound is named by its option. */
  private ControlPlane start(ControlPlaneSettings settings) {
    try {
      return ControlPlane.start(settings);
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof PortUnavailableException port)) {
        throw e;
      }
      String option =
          switch (port.port()) {
            case XDS_PLAINTEXT -> "--xds-port " + xdsPort;
            case XDS_TLS -> "--xds-tls-port " + xdsTlsPort;
            case MONITORING -> "--monitoring-port " + monitoringPort;
          };
      throw new UncheckedIOException(
          option + ": cannot listen on " + port.hostPort() + ": " + port.reason(), port);
    }
  }

  private void stopAndAwaitClose() {
    stopped.countDown();
    try {
      closed.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A port or address that cannot work is a usage error, caught before the CA and registry start.
   */
  private void checkPort(String option, int port, int min) {
    if (port < min || port > 65535) {
      throw new ParameterException(
          spec.commandLine(),
          option
              + " "
              + port
              + ": must be "
              + min
              + "..65535"
              + (min < 0 ? " (-1 disables it)" : " (0 picks a free port)"));
    }
  }

  private void checkAddress(String option, String address) {
    if (new InetSocketAddress(address, 0).isUnresolved()) {
      throw new ParameterException(
          spec.commandLine(),
          option + " '" + address + "': not an IP address or a name this host resolves");
    }
  }

  /** Stops a running {@link #call()} (tests; in production the shutdown hook does it). */
  public void stop() {
    stopped.countDown();
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting because of this very hook; nothing to remove.
    }
  }
}
