package io.outrigger.bench.xdsload;

import static io.outrigger.bench.xdsload.XdsLoadBenchmark.mib;
import static io.outrigger.bench.xdsload.XdsLoadBenchmark.say;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import io.outrigger.testsupport.Prerequisites;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The Kubernetes registry at scale: a real kube-apiserver + etcd (test tier 4) holding S Services
 * with two pods each and their EndpointSlices, the control plane in its own JVM on {@code
 * --registry kube:KUBECONFIG}, and S simulated sidecars (one per Service) that connect as injected
 * ones do: to the TLS port, trusting the mesh root, each with a pod-bound TokenRequest token of its
 * pod's service account and from its pod's IP (run it in {@code pod-network.sh}, where the pods'
 * 198.18.0.0/15 addresses are local). Measures the initial sync, one endpoint change from the slice
 * write to every proxy's receipt, the control plane's heap after GC, and the API server's request
 * rate while only the control plane talks to it. Bounded: a fixed number of changes, each with a
 * timeout.
 *
 * <p>Options: {@code --services 1000 --endpoint-changes 10 --cli-jar cli/target/outrigger.jar
 * --timeout-seconds 600 --cp-jvm-args OPTIONS} (default: the chart's {@code
 * controlPlane.jvmOptions}; {@code --crds FILE} replaces the chart's Istio CRDs).
 */
public final class KubeRegistryLoadBenchmark {
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final String TOKEN_AUDIENCE = "outrigger";

  /** What the kubelet asks for a projected token (3,607 s); the run is shorter. */
  private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  /** TokenRequests in flight at once, like a few kubelets starting pods. */
  private static final int TOKEN_REQUESTS_AT_ONCE = 8;

  private static final Pattern REQUEST_SERIES =
      Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)} (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Pattern WATCHES =
      Pattern.compile("(?m)^apiserver_longrunning_requests\\{[^}]*verb=\"WATCH\"[^}]*} (\\S+)$");

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parse(args);
    // Before anything slow: the fleet must be able to dial from its pods' IPs.
    FleetTransport.requireLocal(KubeMesh.firstSidecarAddress());
    String crds = option(args, "crds", "");
    Path work = Files.createTempDirectory("outrigger-kube-load-");
    say(
        "date=%s services=%d pods=%d proxies=%d work=%s",
        Instant.now(), settings.services(), 2 * settings.services(), settings.proxies(), work);
    try (KubeApiServer server = KubeApiServer.start(Prerequisites.requireKubeApiServer());
        KubernetesClient admin = client(server)) {
      installCrds(admin, crds);
      KubeMesh mesh = new KubeMesh(admin, settings.services());
      long filling = System.nanoTime();
      mesh.createAll();
      say(
          "API server filled: %d services, %d pods, %d slices in %d ms",
          settings.services(),
          2 * settings.services(),
          settings.services(),
          (System.nanoTime() - filling) / 1_000_000);
      long requesting = System.nanoTime();
      List<ProxyIdentity> identities =
          mesh.withTokens(
              IntStream.range(0, settings.proxies()).mapToObj(mesh::proxy).toList(),
              TOKEN_AUDIENCE,
              TOKEN_LIFETIME,
              TOKEN_REQUESTS_AT_ONCE);
      say(
          "%d pod-bound TokenRequest tokens (audience %s, %d at a time) in %d ms",
          identities.size(),
          TOKEN_AUDIENCE,
          TOKEN_REQUESTS_AT_ONCE,
          (System.nanoTime() - requesting) / 1_000_000);
      Map<String, Double> baseline =
          idleRate(
              admin,
              "API server idle before the control plane starts (baseline)",
              settings.idleWindow(),
              null);
      Path kubeconfig = kubeconfig(server, work);
      long starting = System.nanoTime();
      try (ControlPlaneProcess cp = ControlPlaneProcess.inCluster(settings, kubeconfig, work)) {
        say(
            "control plane listening (informers synced, first model built) %d ms after its start; pid=%d log=%s",
            (System.nanoTime() - starting) / 1_000_000, cp.pid(), cp.logFile());
        say("heap after GC, no proxies: %s", mib(cp.heapUsedAfterGcBytes()));
        run(settings, mesh, identities, baseline, cp, admin);
      }
    } finally {
      if (!settings.keepWork()) {
        XdsLoadBenchmark.deleteRecursively(work);
      }
    }
  }

  private static void run(
      BenchSettings settings,
      KubeMesh mesh,
      List<ProxyIdentity> identities,
      Map<String, Double> baseline,
      ControlPlaneProcess cp,
      KubernetesClient admin)
      throws Exception {
    FleetTransport tls = cp.sidecarTransport();
    Map<String, Double> connectBefore = byResource(metrics(admin));
    AtomicInteger peakThreads = new AtomicInteger(cp.threads());
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    peakThreads.accumulateAndGet(cp.threads(), Math::max);
                    try {
                      Thread.sleep(100);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    try (ProxyFleet fleet = new ProxyFleet(tls, identities)) {
      Duration sync;
      try {
        sync = fleet.connectAndSync(settings.timeout());
      } finally {
        sampler.interrupt();
      }
      say(
          "initial sync of %d proxies (TLS, pod-bound tokens, from their pod IPs): %d ms;"
              + " streams reopened after a broken connection: %d; control plane threads at most %d"
              + " during it, %d after",
          fleet.size(), sync.toMillis(), fleet.reconnects(), peakThreads.get(), cp.threads());
      say(
          "API server requests from the fleet's first connection to its sync: %s",
          describe(changed(connectBefore, byResource(metrics(admin)))));
      say("heap after GC, %d proxies synced: %s", fleet.size(), mib(cp.heapUsedAfterGcBytes()));

      idleRate(
          admin,
          "API server idle with the control plane and its proxies synced",
          settings.idleWindow(),
          baseline);

      List<Long> latencies = new ArrayList<>();
      Map<String, Double> changesBefore = byResource(metrics(admin));
      for (int c = 0; c < settings.endpointChanges(); c++) {
        int service = mesh.changedService(c);
        ProxyFleet.Convergence result =
            mesh.moveEndpointAndWait(fleet, service, settings.timeout(), QUIET);
        List<Long> sorted = result.latenciesMillis().stream().sorted().toList();
        say(
            "endpoint change %s: converged %d/%d, min=%d ms p50=%d ms p99=%d ms max=%d ms; bytes %s",
            mesh.outboundCluster(service),
            sorted.size(),
            fleet.size(),
            XdsLoadBenchmark.pct(sorted, 0),
            XdsLoadBenchmark.pct(sorted, 50),
            XdsLoadBenchmark.pct(sorted, 99),
            XdsLoadBenchmark.pct(sorted, 100),
            result.bytes());
        latencies.addAll(result.latenciesMillis());
      }
      Map<String, Double> changeRequests = changed(changesBefore, byResource(metrics(admin)));
      List<Long> sorted = latencies.stream().sorted().toList();
      say(
          "SUMMARY single endpoint change (slice write -> proxy received): samples=%d p50=%d ms p99=%d ms max=%d ms",
          sorted.size(),
          XdsLoadBenchmark.pct(sorted, 50),
          XdsLoadBenchmark.pct(sorted, 99),
          XdsLoadBenchmark.pct(sorted, 100));
      say(
          "API server requests during the %d changes (the harness's slice writes included): %s",
          settings.endpointChanges(), describe(changeRequests));
      say("heap after GC, after the changes: %s", mib(cp.heapUsedAfterGcBytes()));
      say("NACKs sent by simulated proxies: %d", fleet.nacks());
      say("streams reopened after a broken connection, whole run: %d", fleet.reconnects());
    }
  }

  /**
   * Requests per second the API server served over an idle window (its own internal requests
   * included, hence the baseline before the control plane starts), and its open watches at the end.
   * With a baseline, also what the window added over it, by verb and resource.
   *
   * @return requests in the window by verb and resource
   */
  private static Map<String, Double> idleRate(
      KubernetesClient admin, String what, Duration idle, Map<String, Double> baseline)
      throws InterruptedException {
    String first = metrics(admin);
    Thread.sleep(idle.toMillis());
    String after = metrics(admin);
    // The scrapes themselves (GET /metrics) are not in apiserver_request_total.
    Map<String, Double> window = changed(byResource(first), byResource(after));
    say(
        "%s, %d s: %.2f requests/s, %.0f open watches; by verb and resource: %s",
        what,
        idle.toSeconds(),
        window.values().stream().mapToDouble(Double::doubleValue).sum() / idle.toSeconds(),
        sum(WATCHES, after),
        window);
    if (baseline != null) {
      Map<String, Double> added = changed(baseline, window);
      double total = window.values().stream().mapToDouble(Double::doubleValue).sum();
      double base = baseline.values().stream().mapToDouble(Double::doubleValue).sum();
      say(
          "  over the baseline: %.2f requests/s (%s); ratio to the baseline %.1f",
          added.values().stream().mapToDouble(Double::doubleValue).sum() / idle.toSeconds(),
          added,
          base == 0 ? Double.NaN : total / base);
    }
    return window;
  }

  /** {@code apiserver_request_total} by "VERB group/resource[/subresource]" (or the URL path). */
  private static Map<String, Double> byResource(String metrics) {
    Map<String, Double> totals = new TreeMap<>();
    Matcher m = REQUEST_SERIES.matcher(metrics);
    while (m.find()) {
      Map<String, String> labels = new TreeMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      String resource = labels.getOrDefault("resource", "");
      String key =
          labels.getOrDefault("verb", "?")
              + " "
              + (resource.isEmpty()
                  ? "(non-resource URL)"
                  : (labels.getOrDefault("group", "").isEmpty() ? "" : labels.get("group") + "/")
                      + resource
                      + (labels.getOrDefault("subresource", "").isEmpty()
                          ? ""
                          : "/" + labels.get("subresource")));
      totals.merge(key, Double.parseDouble(m.group(2)), Double::sum);
    }
    return totals;
  }

  private static String describe(Map<String, Double> requests) {
    return String.format(
        "%.0f %s", requests.values().stream().mapToDouble(Double::doubleValue).sum(), requests);
  }

  /** What grew from {@code before} to {@code after}, by key; unchanged keys left out. */
  private static Map<String, Double> changed(
      Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> diff = minus(after, before);
    diff.values().removeIf(v -> v == 0);
    return diff;
  }

  private static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
    Map<String, Double> diff = new TreeMap<>(after);
    before.forEach((k, v) -> diff.merge(k, -v, Double::sum));
    return diff;
  }

  static KubernetesClient client(KubeApiServer server) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(server.url())
            .withCaCertFile(server.servingCertificate().toString())
            .withOauthToken(server.adminToken())
            .withRequestTimeout(60_000)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The chart's Istio CRDs (manifests/charts/outrigger/crds), or those of a file. */
  static void installCrds(KubernetesClient admin, String file) throws Exception {
    if (file.isEmpty()) {
      KubeTestCluster.installIstioCrds(admin, Duration.ofSeconds(60));
      return;
    }
    List<HasMetadata> items;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      items = admin.load(in).items();
    }
    KubeTestCluster.installCrds(admin, items, Duration.ofSeconds(60));
  }

  /** The control plane reads as the admin user: the benchmark measures the registry, not RBAC. */
  static Path kubeconfig(KubeApiServer server, Path work) throws Exception {
    return Files.writeString(
        work.resolve("kubeconfig"),
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: bench, cluster: {server: "%s", certificate-authority: "%s"}}]
        users: [{name: admin, user: {token: "%s"}}]
        contexts: [{name: bench, context: {cluster: bench, user: admin}}]
        current-context: bench
        """
            .formatted(server.url(), server.servingCertificate(), server.adminToken()));
  }

  private static String metrics(KubernetesClient admin) {
    return admin.raw("/metrics");
  }

  private static double sum(Pattern series, String metrics) {
    double total = 0;
    Matcher m = series.matcher(metrics);
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  static String option(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--" + name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private KubeRegistryLoadBenchmark() {}
}
