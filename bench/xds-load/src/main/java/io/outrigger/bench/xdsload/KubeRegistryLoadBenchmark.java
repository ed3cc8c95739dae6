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
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The Kubernetes registry at scale: a real kube-apiserver + etcd (test tier 4) holding S Services
 * with two pods each and their EndpointSlices, the control plane in its own JVM on {@code
 * --registry kube:KUBECONFIG}, and S simulated sidecars (one per Service). Measures the initial
 * sync, one endpoint change from the slice write to every proxy's receipt, the control plane's heap
 * after GC, and the API server's request rate while only the control plane talks to it. Bounded: a
 * fixed number of changes, each with a timeout.
 *
 * <p>Options: {@code --services 1000 --endpoint-changes 10 --cli-jar cli/target/outrigger.jar
 * --timeout-seconds 600 --cp-jvm-args -Xmx2g} ({@code --crds FILE} replaces the chart's Istio
 * CRDs).
 */
public final class KubeRegistryLoadBenchmark {
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final Duration IDLE_WINDOW = Duration.ofSeconds(30);
  private static final Pattern REQUESTS =
      Pattern.compile("(?m)^apiserver_request_total\\{[^}]*} (\\S+)$");
  private static final Pattern WATCHES =
      Pattern.compile("(?m)^apiserver_longrunning_requests\\{[^}]*verb=\"WATCH\"[^}]*} (\\S+)$");

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parse(args);
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
      idleRate(admin, "API server idle before the control plane starts (baseline)");
      Path kubeconfig = kubeconfig(server, work);
      long starting = System.nanoTime();
      try (ControlPlaneProcess cp =
          ControlPlaneProcess.start(
              settings.cliJar(),
              "kube:" + kubeconfig,
              work,
              settings.controlPlaneJvmArgs(),
              settings.timeout())) {
        say(
            "control plane listening (informers synced, first model built) %d ms after its start; pid=%d log=%s",
            (System.nanoTime() - starting) / 1_000_000, cp.pid(), cp.logFile());
        say("heap after GC, no proxies: %s", mib(cp.heapUsedAfterGcBytes()));
        run(settings, mesh, cp, admin);
      }
    } finally {
      if (!settings.keepWork()) {
        try (var tree = Files.walk(work)) {
          for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static void run(
      BenchSettings settings, KubeMesh mesh, ControlPlaneProcess cp, KubernetesClient admin)
      throws Exception {
    List<ProxyIdentity> identities =
        IntStream.range(0, settings.proxies()).mapToObj(mesh::proxy).toList();
    try (ProxyFleet fleet = new ProxyFleet(cp.xdsPort(), identities)) {
      Duration sync = fleet.connectAndSync(settings.timeout());
      say("initial sync of %d proxies: %d ms", fleet.size(), sync.toMillis());
      say("heap after GC, %d proxies synced: %s", fleet.size(), mib(cp.heapUsedAfterGcBytes()));

      idleRate(admin, "API server idle with the control plane and its proxies synced");

      List<Long> latencies = new ArrayList<>();
      double changesBefore = sum(REQUESTS, metrics(admin));
      for (int c = 0; c < settings.endpointChanges(); c++) {
        int service = (c * 97 + 13) % settings.services();
        String address = mesh.nextAddress(service);
        ProxyFleet.Convergence result =
            fleet.measure(
                () -> mesh.moveEndpoint(service),
                p -> Changes.endpointAt(mesh.outboundCluster(service), address),
                settings.timeout(),
                QUIET);
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
      double changeRequests =
          sum(REQUESTS, metrics(admin)) - changesBefore - settings.endpointChanges() - 1;
      List<Long> sorted = latencies.stream().sorted().toList();
      say(
          "SUMMARY single endpoint change (slice write -> proxy received): samples=%d p50=%d ms p99=%d ms max=%d ms",
          sorted.size(),
          XdsLoadBenchmark.pct(sorted, 50),
          XdsLoadBenchmark.pct(sorted, 99),
          XdsLoadBenchmark.pct(sorted, 100));
      say(
          "API server requests by the control plane during the %d changes: %.0f",
          settings.endpointChanges(), changeRequests);
      say("heap after GC, after the changes: %s", mib(cp.heapUsedAfterGcBytes()));
      say("NACKs sent by simulated proxies: %d", fleet.nacks());
    }
  }

  /**
   * Requests per second the API server served over an idle window (its own internal requests
   * included, hence the baseline before the control plane starts), and its open watches at the end.
   */
  private static void idleRate(KubernetesClient admin, String what) throws InterruptedException {
    double before = sum(REQUESTS, metrics(admin));
    Thread.sleep(IDLE_WINDOW.toMillis());
    String after = metrics(admin);
    // The first scrape is one request of the window.
    say(
        "%s, %d s: %.2f requests/s, %.0f open watches",
        what,
        IDLE_WINDOW.toSeconds(),
        (sum(REQUESTS, after) - before - 1) / IDLE_WINDOW.toSeconds(),
        sum(WATCHES, after));
  }

  private static KubernetesClient client(KubeApiServer server) {
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
  private static void installCrds(KubernetesClient admin, String file) throws Exception {
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
  private static Path kubeconfig(KubeApiServer server, Path work) throws Exception {
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

  private static String option(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--" + name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private KubeRegistryLoadBenchmark() {}
}
