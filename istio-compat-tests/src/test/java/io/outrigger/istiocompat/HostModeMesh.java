package io.outrigger.istiocompat;

import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureConfig;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.Envoys;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import io.outrigger.testsupport.apps.EchoServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The whole mesh in host mode, as the demo runs it: a control plane in this JVM on the file
 * registry, network-namespace pods wired by the real CNI chain, and per meshed pod the capture
 * rules, the echo app and an Envoy sidecar as UID 1337 with the injector's bootstrap (TLS xDS to
 * the bridge gateway, a host-mode token, the mesh root). One mesh per test class; {@link #close}
 * removes all of it.
 */
final class HostModeMesh implements AutoCloseable {
  static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final PodNetwork network;
  private final RegistryDirectory registry;
  private final Path workDir;
  private final MeshControlPlane controlPlane;
  private final XdsApiType apiType;
  private final Map<String, MeshedPod> meshed = new LinkedHashMap<>();
  private final Map<String, NetnsPod> plain = new LinkedHashMap<>();
  private ValidationSecrets validationSecrets;

  private HostModeMesh(
      PodNetwork network,
      RegistryDirectory registry,
      Path workDir,
      MeshControlPlane controlPlane,
      XdsApiType apiType) {
    this.apiType = apiType;
    this.network = network;
    this.registry = registry;
    this.workDir = workDir;
    this.controlPlane = controlPlane;
  }

  /**
   * How the mesh runs: the sidecars' ADS flavour, the control plane in this JVM or as its own
   * process (which a test can kill), and control-plane settings of the test's own (in this JVM
   * only).
   */
  record Options(
      XdsApiType apiType,
      boolean separateJvm,
      UnaryOperator<ControlPlaneSettings> controlPlaneSettings,
      Map<String, List<String>> sidecarArgs,
      Map<String, AppSocket> appSockets,
      Map<String, List<Integer>> uncapturedInboundPorts) {
    static final Options DEFAULTS =
        new Options(XdsApiType.GRPC, false, UnaryOperator.identity(), Map.of(), Map.of(), Map.of());

    Options withApiType(XdsApiType type) {
      return new Options(
          type, separateJvm, controlPlaneSettings, sidecarArgs, appSockets, uncapturedInboundPorts);
    }

    Options inSeparateJvm() {
      return new Options(
          apiType, true, controlPlaneSettings, sidecarArgs, appSockets, uncapturedInboundPorts);
    }

    Options withControlPlaneSettings(UnaryOperator<ControlPlaneSettings> customize) {
      return new Options(
          apiType, separateJvm, customize, sidecarArgs, appSockets, uncapturedInboundPorts);
    }

    /** Further Envoy flags for one workload's sidecar only (e.g. {@code --config-yaml ...}). */
    Options withSidecarArgs(String workloadName, String... args) {
      Map<String, List<String>> all = new LinkedHashMap<>(sidecarArgs);
      all.put(workloadName, List.of(args));
      return new Options(
          apiType,
          separateJvm,
          controlPlaneSettings,
          Map.copyOf(all),
          appSockets,
          uncapturedInboundPorts);
    }

    /**
     * One workload's app listens on {@code address:port} instead of every address on the workload's
     * port (which its WorkloadEntry still declares).
     */
    Options withAppSocket(String workloadName, String address, int port) {
      Map<String, AppSocket> all = new LinkedHashMap<>(appSockets);
      all.put(workloadName, new AppSocket(address, port));
      return new Options(
          apiType,
          separateJvm,
          controlPlaneSettings,
          sidecarArgs,
          Map.copyOf(all),
          uncapturedInboundPorts);
    }

    /**
     * One workload's capture rules leave these inbound ports alone, as the annotation {@code
     * traffic.sidecar.istio.io/excludeInboundPorts} does.
     */
    Options withUncapturedInboundPorts(String workloadName, Integer... ports) {
      Map<String, List<Integer>> all = new LinkedHashMap<>(uncapturedInboundPorts);
      all.put(workloadName, List.of(ports));
      return new Options(
          apiType, separateJvm, controlPlaneSettings, sidecarArgs, appSockets, Map.copyOf(all));
    }
  }

  /** Where an app listens: an address (null: every one) and a port. */
  record AppSocket(String address, int port) {}

  /** As {@link #start(Envoys, Options, List, List, List)} with {@link Options#DEFAULTS}. */
  static HostModeMesh start(
      Envoys envoys,
      List<String> configFiles,
      List<MeshWorkload> workloads,
      List<String> plainPods) {
    return start(envoys, Options.DEFAULTS, configFiles, workloads, plainPods);
  }

  /**
   * Creates the pods first (the bridge, and so the gateway address the control plane binds, exists
   * once the first pod is wired), then the control plane, then one sidecar per meshed pod, and
   * waits until every sidecar is LIVE, that is, has received its whole configuration.
   */
  static HostModeMesh start(
      Envoys envoys,
      Options options,
      List<String> configFiles,
      List<MeshWorkload> workloads,
      List<String> plainPods) {
    // Beyond what PodNetwork and the Envoy harness check: requests from pods, validation keys.
    Prerequisites.requireCommand("curl");
    Prerequisites.requireCommand("openssl");
    PodNetwork network = PodNetwork.create();
    Path workDir = ProxyUserFiles.worldReadableTempDir("outrigger-e2e-");
    HostModeMesh mesh = null;
    try {
      RegistryDirectory registry =
          new RegistryDirectory(Directories.readableBy1337(workDir.resolve("registry")));
      registry.copySample("services.yaml");
      configFiles.forEach(registry::copySample);
      List<NetnsPod> pods = new ArrayList<>();
      for (MeshWorkload w : workloads) {
        NetnsPod pod = network.addPod(PodSpec.named(w.name()).inNamespace(w.namespace()));
        applyCaptureRules(pod, options.uncapturedInboundPorts().getOrDefault(w.name(), List.of()));
        registry.writeWorkloadEntry(w, pod.ip(), true);
        pods.add(pod);
      }
      List<NetnsPod> outsiders =
          plainPods.stream().map(name -> network.addPod(PodSpec.named(name))).toList();
      MeshControlPlane cp =
          options.separateJvm()
              ? MeshControlPlane.startAsProcess(
                  registry.dir(),
                  workDir.resolve("ca"),
                  network.gateway(),
                  workDir.resolve("control-plane.log"))
              : MeshControlPlane.start(
                  registry.dir(),
                  workDir.resolve("ca"),
                  network.gateway(),
                  options.controlPlaneSettings());
      mesh = new HostModeMesh(network, registry, workDir, cp, options.apiType());
      for (int i = 0; i < workloads.size(); i++) {
        MeshWorkload w = workloads.get(i);
        mesh.startSidecarAndApp(
            envoys,
            w,
            pods.get(i),
            options.sidecarArgs().getOrDefault(w.name(), List.of()),
            options.appSockets().getOrDefault(w.name(), new AppSocket(null, w.port())));
      }
      for (NetnsPod outsider : outsiders) {
        mesh.plain.put(outsider.name(), outsider);
      }
      for (MeshedPod p : mesh.meshed.values()) {
        p.sidecar().admin().awaitLive(READY_TIMEOUT);
      }
      return mesh;
    } catch (RuntimeException | Error e) {
      if (mesh != null) {
        mesh.close();
      } else {
        network.close();
        Directories.deleteRecursively(workDir);
      }
      throw e;
    }
  }

  /**
   * The capture rules outrigger-cni writes, rendered and applied by its own code in the pod's
   * netns; {@code uncapturedInboundPorts} as its excludeInboundPorts annotation.
   */
  private static void applyCaptureRules(NetnsPod pod, List<Integer> uncapturedInboundPorts) {
    CaptureConfig d = CaptureConfig.defaults(false);
    CaptureConfig config =
        new CaptureConfig(
            d.outboundCapturePort(),
            d.inboundCapturePort(),
            d.proxyUid(),
            d.proxyGid(),
            d.inboundPorts(),
            uncapturedInboundPorts,
            d.includeOutboundPorts(),
            d.excludeOutboundPorts(),
            d.outboundCidrs(),
            d.excludeOutboundCidrs(),
            d.ipv6());
    new CaptureApplier(new CommandRunner(Duration.ofSeconds(10)))
        .apply(pod.netnsPath(), CaptureRules.render(config));
  }

  private void startSidecarAndApp(
      Envoys envoys, MeshWorkload w, NetnsPod pod, List<String> extraArgs, AppSocket app) {
    Path files = Directories.readableBy1337(workDir.resolve("sidecar-" + w.name()));
    Path token =
        ProxyUserFiles.writeReadable(
            files.resolve("token"), controlPlane.mintToken(w.identity(), Duration.ofHours(1)));
    Path root =
        ProxyUserFiles.writeReadable(files.resolve("root-cert.pem"), controlPlane.rootCertPem());
    BootstrapParams params =
        BootstrapParams.builder()
            .namespace(w.namespace())
            .podName(w.name())
            .workloadName(w.labels().getOrDefault("app", w.name()))
            .serviceAccount(w.serviceAccount())
            .labels(w.labels())
            .instanceIp(pod.ip())
            .controlPlane(new ControlPlaneAddress(network.gateway(), controlPlane.xdsTlsPort()))
            .controlPlaneServerName(controlPlane.serverName())
            .tokenFile(token)
            .rootCertFile(root)
            .apiType(apiType)
            .build();
    List<String> args = new ArrayList<>(SidecarBootstrap.DRAIN_FLAGS);
    args.addAll(extraArgs);
    EnvoyProcess sidecar =
        envoys.start(
            EnvoyOptions.inPod(pod, new SidecarBootstrap().render(params))
                .withExtraArgs(args.toArray(String[]::new)));
    pod.start(EchoServer.commandLine(app.address(), app.port(), w.name()), false);
    pod.awaitListening(app.port(), READY_TIMEOUT);
    meshed.put(w.name(), new MeshedPod(w, pod, sidecar));
  }

  MeshedPod pod(String workloadName) {
    MeshedPod p = meshed.get(workloadName);
    if (p == null) {
      throw new IllegalArgumentException(
          "host-mode mesh: no meshed pod " + workloadName + " (have " + meshed.keySet() + ")");
    }
    return p;
  }

  NetnsPod plainPod(String name) {
    NetnsPod p = plain.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "host-mode mesh: no plain pod " + name + " (have " + plain.keySet() + ")");
    }
    return p;
  }

  /**
   * Starts an echo server per port in the plain pod {@code name}, each answering with the name
   * {@code <name>-<port>}, and waits until they listen.
   */
  NetnsPod startEchoServers(String name, List<Integer> ports) {
    NetnsPod pod = plainPod(name);
    for (int port : ports) {
      pod.start(EchoServer.commandLine(port, name + "-" + port), false);
      pod.awaitListening(port, READY_TIMEOUT);
    }
    return pod;
  }

  List<MeshedPod> meshedPods() {
    return List.copyOf(meshed.values());
  }

  /** The bridge gateway: the address the control plane's xDS port is bound on. */
  String gateway() {
    return network.gateway();
  }

  RegistryDirectory registry() {
    return registry;
  }

  MeshControlPlane controlPlane() {
    return controlPlane;
  }

  /**
   * The key pair that stands in for redacted keys when a sidecar's config is validated (made once).
   */
  synchronized ValidationSecrets validationSecrets() {
    if (validationSecrets == null) {
      validationSecrets = ValidationSecrets.create(workDir);
    }
    return validationSecrets;
  }

  String trustDomain() {
    return controlPlane.trustDomain();
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (MeshedPod p : meshed.values()) {
      p.sidecar().close();
    }
    try {
      controlPlane.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      network.close();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    Directories.deleteRecursively(workDir);
    if (failure != null) {
      throw failure;
    }
  }
}
