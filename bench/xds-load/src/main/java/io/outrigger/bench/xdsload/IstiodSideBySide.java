package io.outrigger.bench.xdsload;

import static io.outrigger.bench.xdsload.XdsLoadBenchmark.pct;
import static io.outrigger.bench.xdsload.XdsLoadBenchmark.say;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.testsupport.Helm;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import io.outrigger.testsupport.Prerequisites;
import io.outrigger.testsupport.soak.JvmProbe;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Istio's control plane and Outrigger's side by side (issue 15), in one invocation, on the same
 * objects in one real kube-apiserver + etcd (test tier 4): S Services in ten namespaces, R + 1 pods
 * each with their EndpointSlice ({@link KubeMesh}; R proxy pods per service: 1 for P ≤ S, else P /
 * S, the same mesh with more sidecars), and for one service in ten a DestinationRule (subsets v1,
 * v2) and a canary VirtualService (90/10), all networking.istio.io/v1 under Istio's own CRDs (plus
 * the Gateway API CRDs of Outrigger's chart). istiod ({@code pilot-discovery discovery}) runs alone
 * against it, then Outrigger's {@code control-plane} alone, each in its own process, each with the
 * same fleet of P simulated sidecars (pod {@code -a} of the first P services, or every proxy pod
 * when P > S; one node shape both read: Istio's node id and metadata plus Outrigger's). istiod is
 * dialed on its plaintext xDS port (no authentication there); Outrigger, which with an API server
 * serves only its TLS port, over TLS with pod-bound tokens from the pods' IPs, as {@link
 * KubeRegistryLoadBenchmark} does (run it in {@code pod-network.sh}).
 *
 * <p>For each: start to ready, the initial sync (CDS, LDS, EDS, RDS ACKed by every proxy, and every
 * proxy's config checked to be a whole sidecar's: listeners on 15001 and 15006, an EDS cluster per
 * service, route configs), endpoint changes (a replacement pod, then the timed slice write → each
 * proxy received the EDS showing the new address), changes to every route (every canary
 * VirtualService's v2 weight rewritten → each proxy received the RDS showing all of them), bytes
 * per change, the process's CPU seconds per phase ({@code /proc/PID/stat}), its RSS after settling
 * ({@code /proc/PID/status}), and its heap after a collection (Go heap in use after {@code
 * runtime.GC} for istiod, Java heap used after a full GC for Outrigger); then every figure as
 * Outrigger / istiod. Bounded: fixed counts of changes, each with a timeout.
 *
 * <p>Options: those of {@link KubeRegistryLoadBenchmark} ({@code --services --proxies
 * --endpoint-changes --route-changes --cli-jar --cp-jvm-args --timeout-seconds}) and {@code
 * --pilot-discovery BINARY} (default {@code .outrigger/istio/1.31.0/pilot-discovery}), {@code
 * --istio-crds FILE} (Istio's {@code crd-all.gen.yaml}; required), {@code --settle-seconds 10}.
 */
public final class IstiodSideBySide {
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final int OUTBOUND_CAPTURE_PORT = 15001;
  private static final int INBOUND_CAPTURE_PORT = 15006;
  private static final List<String> CONFIG_TYPES =
      List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.ENDPOINTS, TypeUrls.ROUTES);
  private static final Pattern SYNCZ_PROXY = Pattern.compile("\"proxy\"\\s*:");

  /** Outrigger's default of open connections per gRPC port ({@code GrpcServerLimits}). */
  private static final int CP_DEFAULT_MAX_CONNECTIONS = 4096;

  /**
   * What one control plane measured.
   *
   * @param cpuSeconds CPU seconds of the process by phase: start (to ready), sync, endpoint
   *     changes, route changes, settling, whole run
   * @param heapBytes heap after a collection (see the class comment for which heap)
   */
  record Result(
      String name,
      long readyMillis,
      long syncMillis,
      List<Long> endpointLatencies,
      List<Long> routeLatencies,
      long endpointBytesPerChange,
      long routeBytesPerChange,
      long configBytesPerProxy,
      Map<String, Double> cpuSeconds,
      long rssBytes,
      long peakRssBytes,
      long heapBytes) {}

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parseAnyShape(args);
    int proxyPods = KubeMesh.proxyPods(settings.services(), settings.proxies());
    FleetTransport.requireLocal(KubeMesh.firstSidecarAddress());
    Path pilot =
        Path.of(
                KubeRegistryLoadBenchmark.option(
                    args, "pilot-discovery", ".outrigger/istio/1.31.0/pilot-discovery"))
            .toAbsolutePath();
    if (!Files.isExecutable(pilot)) {
      throw new IllegalArgumentException(
          "--pilot-discovery "
              + pilot
              + " is not executable: build it with scripts/istio/build.sh pilot-discovery");
    }
    String crds = KubeRegistryLoadBenchmark.option(args, "istio-crds", "");
    if (crds.isEmpty() || !Files.isReadable(Path.of(crds))) {
      throw new IllegalArgumentException(
          "--istio-crds '"
              + crds
              + "': Istio's CRDs (manifests/charts/base/files/crd-all.gen.yaml of the istio.io/istio"
              + " module in $(go env GOMODCACHE)) are required: istiod reads kinds that Outrigger's"
              + " chart does not install");
    }
    List<String> cpJvmArgs = maxConnectionsArgs(args, settings.proxies());
    Duration settle =
        Duration.ofSeconds(
            Long.parseLong(KubeRegistryLoadBenchmark.option(args, "settle-seconds", "10")));
    Path work = Files.createTempDirectory("outrigger-istiod-side-by-side-");
    List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    Thread cleanUp = cleanUpOnExit(work, settings.keepWork(), toClose);
    say(
        "date=%s services=%d pods=%d (%d proxy pods per service) canaries=%d proxies=%d load=%s"
            + " work=%s",
        Instant.now(),
        settings.services(),
        settings.services() * (proxyPods + 1),
        proxyPods,
        (settings.services() + KubeMesh.CANARY_EVERY - 1) / KubeMesh.CANARY_EVERY,
        settings.proxies(),
        JvmProbe.loadAverage(),
        work);
    try (KubeApiServer server = KubeApiServer.start(Prerequisites.requireKubeApiServer());
        KubernetesClient admin = KubeRegistryLoadBenchmark.client(server)) {
      toClose.add(server);
      installCrds(admin, Path.of(crds));
      KubeMesh mesh = new KubeMesh(admin, settings.services(), proxyPods);
      long filling = System.nanoTime();
      mesh.createAll();
      mesh.createNamespace(IstiodProcess.NAMESPACE);
      mesh.createCanaries();
      say(
          "API server filled: %d services, %d pods, %d slices, %d DestinationRules and canary"
              + " VirtualServices in %d ms",
          settings.services(),
          mesh.pods(),
          settings.services(),
          mesh.canaries(),
          (System.nanoTime() - filling) / 1_000_000);
      long requesting = System.nanoTime();
      List<ProxyIdentity> identities =
          mesh.withTokens(
              IntStream.range(0, settings.proxies()).mapToObj(mesh::proxy).toList(),
              "outrigger",
              Duration.ofHours(1),
              8);
      say(
          "%d pod-bound tokens in %d ms",
          identities.size(), (System.nanoTime() - requesting) / 1_000_000);
      Path kubeconfig = KubeRegistryLoadBenchmark.kubeconfig(server, work);

      say("=== istiod (plaintext xDS, no authentication) load=%s", JvmProbe.loadAverage());
      Result istio;
      long starting = System.nanoTime();
      try (IstiodProcess istiod =
          IstiodProcess.start(pilot, kubeconfig, work, settings.timeout())) {
        long ready = (System.nanoTime() - starting) / 1_000_000;
        say(
            "istiod ready %d ms after its start; pid=%d log=%s",
            ready, istiod.pid(), istiod.logFile());
        try (ProxyFleet fleet =
            new ProxyFleet(new FleetTransport.Plaintext(istiod.xdsPort()), identities)) {
          istio =
              measure(
                  "istiod",
                  ready,
                  istiod.pid(),
                  fleet,
                  mesh,
                  settings,
                  settle,
                  istiod::goHeapAfterGcBytes,
                  () -> {
                    Matcher m = SYNCZ_PROXY.matcher(istiod.syncz());
                    int proxies = 0;
                    while (m.find()) {
                      proxies++;
                    }
                    say("istiod /debug/syncz lists %d proxies", proxies);
                  },
                  () -> {});
        }
      }

      say("=== Outrigger (TLS xDS, pod-bound tokens) load=%s", JvmProbe.loadAverage());
      Result outrigger;
      starting = System.nanoTime();
      try (ControlPlaneProcess cp =
          ControlPlaneProcess.inCluster(settings, kubeconfig, work, cpJvmArgs)) {
        long ready = (System.nanoTime() - starting) / 1_000_000;
        say(
            "Outrigger listening %d ms after its start; pid=%d log=%s",
            ready, cp.pid(), cp.logFile());
        try (ProxyFleet fleet = new ProxyFleet(cp.sidecarTransport(), identities)) {
          outrigger =
              measure(
                  "outrigger",
                  ready,
                  cp.pid(),
                  fleet,
                  mesh,
                  settings,
                  settle,
                  cp::heapUsedAfterGcBytes,
                  () -> {},
                  () -> say("outrigger: live heap by class:%n%s", cp.probe().topClasses(15)));
        }
      }
      compare(istio, outrigger);
      say("load=%s", JvmProbe.loadAverage());
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanUp);
      if (!settings.keepWork()) {
        XdsLoadBenchmark.deleteRecursively(work);
      }
    }
  }

  /**
   * {@code --cp-max-connections N}: Outrigger's limit of open connections per port ({@code
   * -Doutrigger.grpc.maxConnections}, 4,096 by default, which refuses the rest of a larger fleet
   * for ever); required above that many proxies.
   */
  private static List<String> maxConnectionsArgs(String[] args, int proxies) {
    String value = KubeRegistryLoadBenchmark.option(args, "cp-max-connections", "");
    if (value.isEmpty()) {
      if (proxies > CP_DEFAULT_MAX_CONNECTIONS) {
        throw new IllegalArgumentException(
            "--proxies "
                + proxies
                + " exceeds Outrigger's default of "
                + CP_DEFAULT_MAX_CONNECTIONS
                + " connections per port: pass --cp-max-connections N (N >= proxies)");
      }
      return List.of();
    }
    int max;
    try {
      max = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      max = 0;
    }
    if (max < proxies) {
      throw new IllegalArgumentException(
          "--cp-max-connections '" + value + "': must be a whole number >= --proxies " + proxies);
    }
    return List.of("-Doutrigger.grpc.maxConnections=" + max);
  }

  /**
   * If the run is stopped (SIGINT, SIGTERM) rather than ending through the finally blocks: stops
   * istiod or the control plane (the children the try blocks would have closed), closes {@code
   * toClose} (the API server: stops it and etcd and deletes their directory, which their own hook
   * leaves) and deletes the work directory.
   */
  private static Thread cleanUpOnExit(Path work, boolean keepWork, List<AutoCloseable> toClose) {
    Thread hook =
        new Thread(
            () -> {
              ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly);
              for (AutoCloseable c : toClose) {
                try {
                  c.close();
                } catch (Exception e) {
                  System.err.println("could not close " + c + ": " + e);
                }
              }
              if (!keepWork) {
                try {
                  XdsLoadBenchmark.deleteRecursively(work);
                } catch (java.io.IOException | java.io.UncheckedIOException e) {
                  System.err.println("could not delete " + work + ": " + e);
                }
              }
            },
            "side-by-side-clean-up");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /**
   * Istio's CRDs (every kind istiod reads) and the chart's Gateway API ones (Outrigger reads
   * HTTPRoute; istiod, finding them, watches them too), so both see the same API server.
   */
  private static void installCrds(KubernetesClient admin, Path istioCrds) throws Exception {
    List<HasMetadata> crds = new ArrayList<>();
    try (InputStream in = Files.newInputStream(istioCrds)) {
      crds.addAll(admin.load(in).items());
    }
    try (Stream<Path> files = Files.list(Helm.chart().resolve("crds"))) {
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().startsWith("gateway.networking.k8s.io_"))
              .sorted()
              .toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          crds.addAll(admin.load(in).items());
        }
      }
    }
    KubeTestCluster.installCrds(admin, crds, Duration.ofSeconds(60));
  }

  /** Something that reads a figure and may fail (an HTTP request, a jcmd). */
  private interface Probe {
    long read() throws Exception;
  }

  /** Something that checks or prints and may fail. */
  private interface Check {
    void run() throws Exception;
  }

  private static Result measure(
      String name,
      long readyMillis,
      long pid,
      ProxyFleet fleet,
      KubeMesh mesh,
      BenchSettings settings,
      Duration settle,
      Probe heap,
      Check synced,
      Check settled)
      throws Exception {
    Map<String, Double> cpu = new LinkedHashMap<>();
    double[] last = {0};
    cpu.put("start", mark(pid, last));

    Duration sync = fleet.connectAndSync(settings.timeout());
    cpu.put("sync", mark(pid, last));
    say(
        "%s: initial sync of %d proxies: %d ms; streams reopened after a broken connection: %d",
        name, fleet.size(), sync.toMillis(), fleet.reconnects());
    Map<String, Long> perProxy = new TreeMap<>();
    for (String type : CONFIG_TYPES) {
      perProxy.put(
          TypeUrls.shortName(type),
          fleet.proxies().stream().mapToLong(p -> p.bytes(type)).sum() / fleet.size());
    }
    requireWholeSidecarConfig(name, fleet, settings.services());
    synced.run();
    say("%s: initial config bytes per proxy %s", name, perProxy);

    List<Long> endpoint = new ArrayList<>();
    long endpointBytes = 0;
    for (int c = 0; c < settings.endpointChanges(); c++) {
      int service = mesh.changedService(c);
      // Untimed, as the kubelet's pod status precedes the EndpointSlice controller's write.
      mesh.replaceSecondPod(service);
      Thread.sleep(QUIET.toMillis());
      ProxyFleet.Convergence result =
          mesh.moveEndpointAndWait(fleet, service, settings.timeout(), QUIET);
      endpointBytes += report(name, "endpoint change " + mesh.outboundCluster(service), result);
      endpoint.addAll(result.latenciesMillis());
    }
    cpu.put("endpoint changes", mark(pid, last));

    List<Long> routes = new ArrayList<>();
    long routeBytes = 0;
    for (int c = 0; c < settings.routeChanges(); c++) {
      int weight = mesh.nextCanaryWeight();
      ProxyFleet.Convergence result =
          fleet.measure(
              () -> {
                try {
                  mesh.shiftCanaries();
                } catch (Exception e) {
                  throw new IllegalStateException("rewriting the canary VirtualServices", e);
                }
              },
              p -> Changes.weightedSubset("v2", weight, mesh.canaries()),
              settings.timeout(),
              QUIET);
      routeBytes +=
          report(
              name,
              "change to every route (" + mesh.canaries() + " canaries: v2 weight " + weight + ")",
              result);
      routes.addAll(result.latenciesMillis());
    }
    cpu.put("route changes", mark(pid, last));

    Thread.sleep(settle.toMillis());
    cpu.put("settling " + settle.toSeconds() + " s", mark(pid, last));
    long rss = ProcessStats.rssBytes(pid);
    long peak = ProcessStats.peakRssBytes(pid);
    cpu.put("whole run", ProcessStats.cpuSeconds(pid));
    long heapBytes = heap.read();
    settled.run();
    say(
        "%s: CPU seconds by phase %s; RSS after settling %s (peak %s); heap after a collection %s;"
            + " NACKs %d; reopened streams %d",
        name,
        cpu,
        XdsLoadBenchmark.mib(rss),
        XdsLoadBenchmark.mib(peak),
        XdsLoadBenchmark.mib(heapBytes),
        fleet.nacks(),
        fleet.reconnects());
    if (fleet.nacks() > 0) {
      throw new IllegalStateException(name + ": the fleet NACKed " + fleet.nacks() + " responses");
    }
    return new Result(
        name,
        readyMillis,
        sync.toMillis(),
        endpoint.stream().sorted().toList(),
        routes.stream().sorted().toList(),
        settings.endpointChanges() == 0 ? 0 : endpointBytes / settings.endpointChanges(),
        settings.routeChanges() == 0 ? 0 : routeBytes / settings.routeChanges(),
        perProxy.values().stream().mapToLong(Long::longValue).sum(),
        cpu,
        rss,
        peak,
        heapBytes);
  }

  /** CPU seconds since the previous mark. */
  private static double mark(long pid, double[] last) {
    double now = ProcessStats.cpuSeconds(pid);
    double used = now - last[0];
    last[0] = now;
    return Math.round(used * 100) / 100.0;
  }

  /**
   * Every proxy holds what a sidecar needs, else the figures would compare a smaller config:
   * listeners on 15001 and 15006, an EDS cluster for every service (at least), and route configs.
   */
  private static void requireWholeSidecarConfig(String name, ProxyFleet fleet, int services) {
    List<String> short_ = new ArrayList<>();
    for (SimulatedProxy p : fleet.proxies()) {
      boolean whole =
          p.listenerPorts().contains(OUTBOUND_CAPTURE_PORT)
              && p.listenerPorts().contains(INBOUND_CAPTURE_PORT)
              && p.subscribed(TypeUrls.ENDPOINTS).size() >= services
              && !p.subscribed(TypeUrls.ROUTES).isEmpty();
      if (!whole) {
        short_.add(
            p.identity()
                + ": listener ports "
                + p.listenerPorts()
                + ", "
                + p.subscribed(TypeUrls.ENDPOINTS).size()
                + " EDS clusters, route configs "
                + p.subscribed(TypeUrls.ROUTES));
      }
    }
    SimulatedProxy first = fleet.proxies().getFirst();
    say(
        "%s: %d/%d proxies hold a whole sidecar config; e.g. %s: listener ports %s, %d EDS"
            + " clusters, %d route configs",
        name,
        fleet.size() - short_.size(),
        fleet.size(),
        first.identity(),
        first.listenerPorts(),
        first.subscribed(TypeUrls.ENDPOINTS).size(),
        first.subscribed(TypeUrls.ROUTES).size());
    if (!short_.isEmpty()) {
      throw new IllegalStateException(
          name
              + ": "
              + short_.size()
              + " proxies without a whole sidecar config, first: "
              + short_.getFirst());
    }
  }

  /**
   * @return the bytes the fleet received for the change
   */
  private static long report(String name, String what, ProxyFleet.Convergence r) {
    List<Long> sorted = r.latenciesMillis().stream().sorted().toList();
    long bytes = r.bytes().values().stream().mapToLong(Long::longValue).sum();
    say(
        "%s: %s: converged %d/%d, min=%d ms p50=%d ms p99=%d ms max=%d ms; bytes %s",
        name,
        what,
        sorted.size(),
        sorted.size() + r.missing(),
        pct(sorted, 0),
        pct(sorted, 50),
        pct(sorted, 99),
        pct(sorted, 100),
        r.bytes());
    if (r.missing() > 0) {
      throw new IllegalStateException(
          name + ": " + what + ": " + r.missing() + " proxies did not see it within the timeout");
    }
    return bytes;
  }

  private static void compare(Result istio, Result outrigger) {
    say("SIDE measure | istiod | outrigger | outrigger/istiod");
    row("start to ready (ms)", istio.readyMillis(), outrigger.readyMillis());
    row("initial sync, every proxy (ms)", istio.syncMillis(), outrigger.syncMillis());
    row(
        "initial config bytes per proxy",
        istio.configBytesPerProxy(),
        outrigger.configBytesPerProxy());
    for (int p : new int[] {50, 99}) {
      row(
          "endpoint change p" + p + " (ms, " + istio.endpointLatencies().size() + " samples)",
          pct(istio.endpointLatencies(), p),
          pct(outrigger.endpointLatencies(), p));
    }
    for (int p : new int[] {50, 99}) {
      row(
          "every-route change p" + p + " (ms, " + istio.routeLatencies().size() + " samples)",
          pct(istio.routeLatencies(), p),
          pct(outrigger.routeLatencies(), p));
    }
    row(
        "bytes per endpoint change, fleet",
        istio.endpointBytesPerChange(),
        outrigger.endpointBytesPerChange());
    row(
        "bytes per every-route change, fleet",
        istio.routeBytesPerChange(),
        outrigger.routeBytesPerChange());
    for (String phase : istio.cpuSeconds().keySet()) {
      row(
          "CPU seconds, " + phase,
          istio.cpuSeconds().get(phase),
          outrigger.cpuSeconds().getOrDefault(phase, Double.NaN));
    }
    row("RSS after settling (MiB)", mibs(istio.rssBytes()), mibs(outrigger.rssBytes()));
    row("peak RSS (MiB)", mibs(istio.peakRssBytes()), mibs(outrigger.peakRssBytes()));
    row(
        "heap after a collection (MiB; Go heap in use / Java heap used)",
        mibs(istio.heapBytes()),
        mibs(outrigger.heapBytes()));
  }

  private static double mibs(long bytes) {
    return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
  }

  private static void row(String what, double istio, double outrigger) {
    say(
        "SIDE %s | %s | %s | %s",
        what,
        format(istio),
        format(outrigger),
        istio > 0 ? String.format("%.2f", outrigger / istio) : "-");
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.2f", v);
  }

  private IstiodSideBySide() {}
}
