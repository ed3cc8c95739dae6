package io.outrigger.testsupport;

import io.outrigger.hostnet.HostTools;
import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks what a real-parts test needs. Under {@code CI=true} a missing prerequisite fails the test,
 * naming what is missing, so a CI run can never pass by skipping; elsewhere the test is skipped
 * with that reason printed loudly to stderr.
 */
public final class Prerequisites {

  private Prerequisites() {}

  public static void requireRoot() {
    if (!"0".equals(currentUid())) {
      missing(
          "root: this test creates network namespaces, links or iptables rules (running as uid "
              + currentUid()
              + ")");
    }
  }

  /**
   * The Envoy binary: {@code ENVOY_BIN}, else the one {@code scripts/bootstrap.sh} installed, else
   * PATH.
   */
  public static Path requireEnvoy() {
    Optional<Path> envoy = findEnvoy();
    String env = System.getenv("ENVOY_BIN");
    if (envoy.isEmpty() && env != null && !env.isBlank()) {
      missing("Envoy: ENVOY_BIN=" + env + " is not an executable file; run scripts/bootstrap.sh");
    } else if (envoy.isEmpty()) {
      missing(
          "Envoy: ENVOY_BIN is not set and no executable envoy was found in the bootstrap's venv ("
              + RepoRoot.find()
                  .map(r -> r.resolve(".outrigger/venv"))
                  .map(Path::toString)
                  .orElse("no repo root")
              + ") or on PATH; run scripts/bootstrap.sh");
    }
    return envoy.get();
  }

  /**
   * kube-apiserver and etcd for test tier 4: {@code KUBE_APISERVER_BIN} and {@code ETCD_BIN}
   * (written to .outrigger/env by scripts/bootstrap.sh), else the bootstrap's build under
   * .outrigger/kube and etcd on PATH.
   */
  public static KubeApiServerBinaries requireKubeApiServer() {
    Optional<Path> apiServer =
        executableFromEnv("KUBE_APISERVER_BIN")
            .or(() -> RepoRoot.find().flatMap(KubeApiServerBinaries::bootstrapBuild));
    Optional<Path> etcd = executableFromEnv("ETCD_BIN").or(() -> findOnPath("etcd"));
    if (apiServer.isEmpty()) {
      missing(
          "kube-apiserver: KUBE_APISERVER_BIN="
              + System.getenv("KUBE_APISERVER_BIN")
              + " is not an executable file and .outrigger/kube/*/kube-apiserver was not built;"
              + " run scripts/bootstrap.sh --tests (it builds kube-apiserver from its Go module)");
    }
    if (etcd.isEmpty()) {
      missing(
          "etcd: ETCD_BIN="
              + System.getenv("ETCD_BIN")
              + " is not an executable file and no etcd is on"
              + " PATH; run scripts/bootstrap.sh --tests (it installs Debian's etcd-server)");
    }
    return new KubeApiServerBinaries(apiServer.get(), etcd.get());
  }

  /**
   * Everything test tier 5 runs: the tier-4 pair, then each node program from its variable in
   * .outrigger/env (written by {@code scripts/bootstrap.sh --tests}) or the bootstrap's build
   * directory, containerd, ctr and runc on PATH, nsenter, and the Debian CNI plugins the node's
   * chain uses.
   */
  public static KubeNodeBinaries requireKubeNode() {
    return requireKubeNode(PrimaryCni.BRIDGE);
  }

  /**
   * {@link #requireKubeNode()}, and for {@link PrimaryCni#FLANNEL} also flanneld and Flannel's CNI
   * plugin ({@code FLANNELD_BIN} and {@code FLANNEL_CNI_BIN}, else the bootstrap's build under
   * .outrigger/flannel).
   */
  public static KubeNodeBinaries requireKubeNode(PrimaryCni primary) {
    KubeApiServerBinaries apiServer = requireKubeApiServer();
    Path built = apiServer.apiServer().getParent();
    List<String> absent = new ArrayList<>();
    Path kubelet = nodeProgram("KUBELET_BIN", built, "kubelet", absent);
    Path controllerManager =
        nodeProgram("KUBE_CONTROLLER_MANAGER_BIN", built, "kube-controller-manager", absent);
    Path scheduler = nodeProgram("KUBE_SCHEDULER_BIN", built, "kube-scheduler", absent);
    Path proxy = nodeProgram("KUBE_PROXY_BIN", built, "kube-proxy", absent);
    Path kubectl = nodeProgram("KUBECTL_BIN", built, "kubectl", absent);
    Path pause = nodeProgram("PAUSE_BIN", built, "pause", absent);
    Path containerd =
        executableFromEnv("CONTAINERD_BIN").or(() -> findOnPath("containerd")).orElse(null);
    Path runc = executableFromEnv("RUNC_BIN").or(() -> findOnPath("runc")).orElse(null);
    Path ctr = findOnPath("ctr").orElse(null);
    Path busybox =
        executableFromEnv("BUSYBOX_STATIC_BIN")
            .or(
                () ->
                    RepoRoot.find()
                        .map(r -> r.resolve(".outrigger/busybox/bin/busybox"))
                        .filter(Files::isExecutable))
            .orElse(null);
    if (containerd == null || ctr == null || findOnPath("containerd-shim-runc-v2").isEmpty()) {
      absent.add("containerd, ctr, containerd-shim-runc-v2 (Debian's containerd)");
    }
    if (runc == null) {
      absent.add("runc (Debian's runc)");
    }
    if (busybox == null) {
      absent.add(
          "busybox (BUSYBOX_STATIC_BIN, Debian's busybox-static extracted to .outrigger/busybox)");
    }
    if (findOnPath("nsenter").isEmpty()) {
      absent.add("nsenter (util-linux)");
    }
    FlannelBinaries flannel = null;
    if (primary == PrimaryCni.FLANNEL) {
      Path flanneld = flannelProgram("FLANNELD_BIN", "flanneld", absent);
      Path plugin = flannelProgram("FLANNEL_CNI_BIN", "flannel", absent);
      flannel = new FlannelBinaries(flanneld, plugin);
    }
    if (!absent.isEmpty()) {
      missing("tier-5 node programs " + absent + "; run scripts/bootstrap.sh --tests");
    }
    requireCniPlugins("bridge", "host-local", "portmap", "loopback");
    return new KubeNodeBinaries(
        apiServer,
        kubelet,
        controllerManager,
        scheduler,
        proxy,
        kubectl,
        pause,
        containerd,
        ctr,
        runc,
        busybox,
        flannel);
  }

  private static Path flannelProgram(String variable, String name, List<String> absent) {
    Optional<Path> bin =
        executableFromEnv(variable)
            .or(
                () ->
                    RepoRoot.find()
                        .flatMap(r -> newestBuild(r.resolve(".outrigger/flannel"), name)));
    if (bin.isEmpty()) {
      absent.add(name + " (" + variable + ", built from scripts/flannel into .outrigger/flannel)");
    }
    return bin.orElse(null);
  }

  /**
   * The helm CLI for the chart's tests: {@code HELM_BIN} (written to .outrigger/env by {@code
   * scripts/bootstrap.sh --tests}, which builds helm from its Go module, scripts/helm), else that
   * build under .outrigger/helm, else helm on PATH.
   */
  public static Path requireHelm() {
    Optional<Path> helm =
        executableFromEnv("HELM_BIN")
            .or(() -> RepoRoot.find().flatMap(Prerequisites::bootstrapHelm))
            .or(() -> findOnPath("helm"));
    if (helm.isEmpty()) {
      missing(
          "helm: HELM_BIN="
              + System.getenv("HELM_BIN")
              + " is not an executable file, .outrigger/helm/*/helm"
              + " was not built and no helm is on PATH; run scripts/bootstrap.sh --tests (it builds helm from"
              + " its Go module, scripts/helm)");
    }
    return helm.get();
  }

  /**
   * The Gateway API conformance suite's test binary and the echo app (server, client and the TLS
   * port's cert.crt/cert.key) its mesh pods run: {@code GATEWAY_CONFORMANCE_BIN} and {@code
   * ECHO_APP_DIR} (written to .outrigger/env by {@code scripts/bootstrap.sh --tests}, which builds
   * both from their Go modules, scripts/conformance and scripts/echo).
   */
  public static GatewayConformanceBinaries requireGatewayConformance() {
    Optional<Path> suite = executableFromEnv("GATEWAY_CONFORMANCE_BIN");
    String echoEnv = System.getenv("ECHO_APP_DIR");
    Optional<Path> echo =
        Optional.ofNullable(echoEnv)
            .filter(e -> !e.isBlank())
            .map(Path::of)
            .filter(
                d ->
                    Files.isExecutable(d.resolve("server"))
                        && Files.isExecutable(d.resolve("client"))
                        && Files.isRegularFile(d.resolve("cert.crt"))
                        && Files.isRegularFile(d.resolve("cert.key")));
    if (suite.isEmpty() || echo.isEmpty()) {
      missing(
          "Gateway API conformance: GATEWAY_CONFORMANCE_BIN="
              + System.getenv("GATEWAY_CONFORMANCE_BIN")
              + " (an executable) and ECHO_APP_DIR="
              + echoEnv
              + " (server, client, cert.crt, cert.key); run scripts/bootstrap.sh --tests and source"
              + " .outrigger/env (it builds both from their Go modules, scripts/conformance and"
              + " scripts/echo)");
    }
    return new GatewayConformanceBinaries(suite.get(), echo.get());
  }

  /** The conformance suite's test binary and the echo app's directory. */
  public record GatewayConformanceBinaries(Path suite, Path echoApp) {}

  private static Optional<Path> bootstrapHelm(Path repo) {
    return newestBuild(repo.resolve(".outrigger/helm"), "helm");
  }

  /** {@code dir/<version>/name}, executable, of the highest version (as sorted by name). */
  private static Optional<Path> newestBuild(Path dir, String name) {
    try (Stream<Path> versions = Files.list(dir)) {
      return versions
          .map(v -> v.resolve(name))
          .filter(Files::isExecutable)
          .sorted()
          .reduce((a, b) -> b);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Path nodeProgram(
      String variable, Path buildDir, String name, List<String> absent) {
    Optional<Path> bin =
        executableFromEnv(variable)
            .or(() -> Optional.of(buildDir.resolve(name)).filter(Files::isExecutable));
    if (bin.isEmpty()) {
      absent.add(name + " (" + variable + ")");
    }
    return bin.orElse(null);
  }

  private static Optional<Path> executableFromEnv(String variable) {
    String env = System.getenv(variable);
    if (env == null || env.isBlank()) {
      return Optional.empty();
    }
    Path bin = Path.of(env);
    return Files.isExecutable(bin) ? Optional.of(bin) : Optional.empty();
  }

  /**
   * Each named plugin must be an executable in {@code CNI_PATH} (colon-separated) or /usr/lib/cni.
   */
  public static void requireCniPlugins(String... names) {
    List<String> absent = new ArrayList<>();
    for (String name : names) {
      if (findCniPlugin(name).isEmpty()) {
        absent.add(name);
      }
    }
    if (!absent.isEmpty()) {
      missing(
          "CNI plugins "
              + absent
              + " in "
              + cniPath()
              + ": install Debian's containernetworking-plugins (scripts/bootstrap.sh)");
    }
  }

  /** Debian's chromium and its chromedriver, for the browser tests. */
  public record Chromium(Path browser, Path driver) {}

  /** {@code CHROMIUM_BIN} and {@code CHROMEDRIVER_BIN} when set, else Debian's paths. */
  public static Chromium requireChromium() {
    Path browser = Path.of(envOr("CHROMIUM_BIN", "/usr/bin/chromium"));
    Path driver = Path.of(envOr("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    if (!Files.isExecutable(browser) || !Files.isExecutable(driver)) {
      missing(
          "chromium and chromium-driver ("
              + browser
              + ", "
              + driver
              + "): run scripts/bootstrap.sh --tests (apt-get install chromium chromium-driver)");
    }
    return new Chromium(browser, driver);
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  /**
   * What the side-by-side benchmark needs of Istio (issue 15): {@code pilot-discovery} built by
   * {@code scripts/istio/build.sh pilot-discovery} (or {@code PILOT_DISCOVERY_BIN}), and Istio's
   * CRDs ({@code manifests/charts/base/files/crd-all.gen.yaml}) from the istio.io/istio module that
   * build downloaded into the Go module cache ({@code GOMODCACHE}, else ~/go/pkg/mod). Not built by
   * {@code scripts/bootstrap.sh}: minutes of both cores.
   *
   * @return the binary and the CRD file
   */
  public static IstioParts requireIstio() {
    Optional<Path> root = RepoRoot.find();
    Optional<Path> binary =
        executableFromEnv("PILOT_DISCOVERY_BIN")
            .or(
                () ->
                    root.map(r -> r.resolve(".outrigger/istio/1.31.0/pilot-discovery"))
                        .filter(Files::isExecutable));
    if (binary.isEmpty()) {
      missing(
          "pilot-discovery (istiod): PILOT_DISCOVERY_BIN="
              + System.getenv("PILOT_DISCOVERY_BIN")
              + " is not an executable file and .outrigger/istio/1.31.0/pilot-discovery was not"
              + " built; run scripts/istio/build.sh pilot-discovery (not part of bootstrap)");
    }
    Optional<Path> crds = root.flatMap(Prerequisites::istioCrds);
    if (crds.isEmpty()) {
      missing(
          "Istio's CRDs: no manifests/charts/base/files/crd-all.gen.yaml of the istio.io/istio"
              + " version in scripts/istio/go.mod under GOMODCACHE="
              + System.getenv("GOMODCACHE")
              + " or ~/go/pkg/mod; run scripts/istio/build.sh pilot-discovery");
    }
    return new IstioParts(binary.get(), crds.get());
  }

  /**
   * @param pilotDiscovery istiod's binary
   * @param crds Istio's CRDs, one YAML file
   */
  public record IstioParts(Path pilotDiscovery, Path crds) {}

  private static Optional<Path> istioCrds(Path repoRoot) {
    try {
      Optional<String> version =
          Files.readAllLines(repoRoot.resolve("scripts/istio/go.mod")).stream()
              .filter(l -> l.startsWith("require istio.io/istio "))
              .map(l -> l.substring("require istio.io/istio ".length()).strip())
              .findFirst();
      Path cache =
          Path.of(
              envOr(
                  "GOMODCACHE", Path.of(System.getProperty("user.home"), "go/pkg/mod").toString()));
      return version
          .map(
              v ->
                  cache.resolve(
                      "istio.io/istio@" + v + "/manifests/charts/base/files/crd-all.gen.yaml"))
          .filter(Files::isReadable);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The outrigger-cni plugin image the cni-chain build makes (or {@code OUTRIGGER_CNI_DIR}). */
  public static Path requireOutriggerCni() {
    Optional<Path> dir = HostTools.outriggerCniDir();
    if (dir.isEmpty()) {
      missing(
          "outrigger-cni: OUTRIGGER_CNI_DIR is not set and cni-chain/target/plugin-image was not built"
              + " (./mvnw -pl cni-chain -am package -DskipTests)");
    }
    return dir.get();
  }

  public static void requireCommand(String name) {
    if (findOnPath(name).isEmpty()) {
      missing(
          "command '"
              + name
              + "' on PATH ("
              + System.getenv("PATH")
              + "): run scripts/bootstrap.sh");
    }
  }

  /** The directories CNI plugins are looked up in: {@code CNI_PATH} if set, else /usr/lib/cni. */
  public static List<Path> cniPath() {
    return HostTools.cniPath();
  }

  static Optional<Path> findCniPlugin(String name) {
    return HostTools.cniPlugin(name);
  }

  static Optional<Path> findEnvoy() {
    return HostTools.envoy();
  }

  private static Optional<Path> findOnPath(String name) {
    return HostTools.onPath(name);
  }

  private static String currentUid() {
    try {
      return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return "unknown";
    }
  }

  private static void missing(String what) {
    missing(what, "true".equalsIgnoreCase(System.getenv("CI")));
  }

  /** Fails under CI, else skips; package-private so the decision itself is tested. */
  static void missing(String what, boolean ci) {
    String message = "prerequisite missing: " + what;
    if (ci) {
      Assertions.fail(message + " (CI=true: missing prerequisites fail the suite)");
    }
    System.err.println("!!! SKIPPED: " + message);
    Assumptions.abort(message);
  }
}
