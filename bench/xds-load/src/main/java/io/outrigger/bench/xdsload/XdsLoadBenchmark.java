package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The xDS load harness: a generated registry of S services, the control plane in its own JVM, P
 * simulated sidecars on plaintext ADS over loopback; measures convergence of a single endpoint
 * change and of a change to every route, the bytes each sends, and the control plane's heap after
 * GC. {@code --policies compare} measures the plain mesh and then the same mesh with policies and
 * Sidecars ({@link GeneratedMesh}), each with its own control plane, in one run, and prints their
 * ratios and the config bytes of a Sidecar-scoped proxy against an unscoped one.
 */
public final class XdsLoadBenchmark {
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final List<String> CONFIG_TYPES =
      List.of(TypeUrls.LISTENER, TypeUrls.CLUSTER, TypeUrls.ENDPOINTS, TypeUrls.ROUTES);

  /**
   * What one mesh measured.
   *
   * @param bytesPerProxy per proxy kind ({@code unscoped}, {@code scoped}), per type, the mean
   *     bytes a proxy of that kind received from connecting to the end of its initial sync
   * @param resourcesPerProxy the same for resources (clusters, listeners, ...)
   */
  record Phase(
      String name,
      long syncMillis,
      long endpointP50,
      long endpointP99,
      long routeP99,
      long heapIdle,
      long heapSynced,
      long heapAfter,
      Map<String, Map<String, Long>> bytesPerProxy,
      Map<String, Map<String, Long>> resourcesPerProxy) {}

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parse(args);
    Path work = Files.createTempDirectory("outrigger-xds-load-");
    say(
        "date=%s services=%d proxies=%d policies=%s work=%s",
        Instant.now(),
        settings.services(),
        settings.proxies(),
        settings.policies().name().toLowerCase(java.util.Locale.ROOT),
        work);
    try {
      switch (settings.policies()) {
        case OFF -> phase(settings, work, "plain", false);
        case ON -> phase(settings, work, "policies", true);
        case COMPARE -> {
          Phase plain = phase(settings, work, "plain", false);
          Phase policies = phase(settings, work, "policies", true);
          compare(plain, policies);
        }
      }
    } finally {
      if (!settings.keepWork()) {
        deleteRecursively(work);
      }
    }
  }

  /** One mesh: its own registry and its own control plane, stopped at the end. */
  private static Phase phase(BenchSettings settings, Path work, String name, boolean policies)
      throws Exception {
    Path dir = Files.createDirectory(work.resolve(name));
    Path registry = Files.createDirectory(dir.resolve("registry"));
    GeneratedMesh mesh = new GeneratedMesh(registry, settings.services(), policies);
    mesh.writeAll();
    say("== mesh %s", name);
    try (ControlPlaneProcess cp =
        ControlPlaneProcess.start(
            settings.cliLauncher(),
            "file:" + registry,
            dir,
            settings.controlPlaneJvmArgs(),
            Duration.ofSeconds(60))) {
      say("control plane pid=%d xds=127.0.0.1:%d log=%s", cp.pid(), cp.xdsPort(), cp.logFile());
      long idle = cp.heapUsedAfterGcBytes();
      say("heap after GC, no proxies: %s", mib(idle));
      return run(settings, mesh, cp, name, idle);
    }
  }

  /**
   * The generated registry, CA and control-plane log go unless --keep-work true asks to read them.
   */
  static void deleteRecursively(Path dir) throws IOException {
    try (var tree = Files.walk(dir)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Phase run(
      BenchSettings settings, GeneratedMesh mesh, ControlPlaneProcess cp, String name, long idle)
      throws Exception {
    boolean strict = settings.policies() != BenchSettings.Policies.OFF;
    List<ProxyIdentity> identities =
        IntStream.range(0, settings.proxies()).mapToObj(mesh::proxy).toList();
    try (ProxyFleet fleet = new ProxyFleet(cp.xdsPort(), identities)) {
      Duration sync = fleet.connectAndSync(settings.timeout());
      say("initial sync of %d proxies: %d ms", fleet.size(), sync.toMillis());
      Map<String, Map<String, Long>> bytes = perProxy(fleet, mesh, SimulatedProxy::bytes);
      Map<String, Map<String, Long>> resources = perProxy(fleet, mesh, SimulatedProxy::resources);
      bytes.forEach(
          (kind, perType) ->
              say(
                  "initial config per %s proxy: bytes %s; resources %s",
                  kind, perType, resources.get(kind)));
      long synced = cp.heapUsedAfterGcBytes();
      say("heap after GC, %d proxies synced: %s", fleet.size(), mib(synced));
      if (strict) {
        requireAccepted(cp, fleet, name);
      }
      if (settings.changesRecording() != null) {
        cp.jcmd("JFR.start", "name=changes", "settings=profile");
      }

      List<Long> endpoint = new ArrayList<>();
      for (int c = 0; c < settings.endpointChanges(); c++) {
        int picked = (c * 97 + 13) % settings.services();
        // With policies (and in the plain half of a comparison) a shared-namespace service, which
        // every proxy sees, scoped or not: the same fleet-wide sample in both meshes.
        int service = strict ? mesh.sharedService(picked) : picked;
        String newAddress = mesh.nextWorkloadAddress(service);
        ProxyFleet.Convergence result =
            fleet.measure(
                () -> mesh.moveEndpoint(service),
                p -> Changes.endpointAt(mesh.outboundCluster(service), newAddress),
                settings.timeout(),
                QUIET);
        report("endpoint change " + mesh.outboundCluster(service), result, fleet.size());
        endpoint.addAll(result.latenciesMillis());
      }
      List<Long> endpointSorted = summary("single endpoint change", endpoint);

      Map<SimulatedProxy, Integer> index = new IdentityHashMap<>();
      List<SimulatedProxy> proxies = fleet.proxies();
      for (int i = 0; i < proxies.size(); i++) {
        index.put(proxies.get(i), i);
      }
      List<Long> routes = new ArrayList<>();
      for (int c = 0; c < settings.routeChanges(); c++) {
        String marker = mesh.nextRouteMarker();
        ProxyFleet.Convergence result =
            fleet.measure(
                mesh::changeEveryRoute,
                p -> Changes.everyRouteMarked(marker, mesh.visibleServices(index.get(p))),
                settings.timeout(),
                QUIET);
        report("change to every route (" + mesh.routeMarker() + ")", result, fleet.size());
        routes.addAll(result.latenciesMillis());
      }
      List<Long> routesSorted = summary("change to every route", routes);
      if (settings.changesRecording() != null) {
        cp.jcmd("JFR.dump", "name=changes", "filename=" + settings.changesRecording());
        say("JFR recording of the changes: %s", settings.changesRecording());
      }
      long after = cp.heapUsedAfterGcBytes();
      say("heap after GC, after the changes: %s", mib(after));
      say("NACKs sent by simulated proxies: %d", fleet.nacks());
      if (strict) {
        requireAccepted(cp, fleet, name);
      }
      return new Phase(
          name,
          sync.toMillis(),
          pct(endpointSorted, 50),
          pct(endpointSorted, 99),
          pct(routesSorted, 99),
          idle,
          synced,
          after,
          bytes,
          resources);
    }
  }

  /**
   * Every object of the generated mesh was accepted (no {@code config_rejected} in the control
   * plane's log, e.g. an OR0105 refusal) and no proxy NACKed: otherwise the figures would measure a
   * smaller mesh than the one written.
   */
  private static void requireAccepted(ControlPlaneProcess cp, ProxyFleet fleet, String name)
      throws IOException {
    List<String> rejected =
        Files.readAllLines(cp.logFile()).stream()
            .filter(l -> l.contains("event=config_rejected"))
            .toList();
    say("config rejected by the control plane (%s): %d", name, rejected.size());
    if (!rejected.isEmpty() || fleet.nacks() > 0) {
      throw new IllegalStateException(
          "mesh "
              + name
              + ": "
              + rejected.size()
              + " objects rejected, "
              + fleet.nacks()
              + " NACKs; first rejections:\n"
              + String.join("\n", rejected.subList(0, Math.min(5, rejected.size()))));
    }
  }

  /** Per proxy kind (unscoped, scoped), per type, the mean of a per-proxy counter. */
  private static Map<String, Map<String, Long>> perProxy(
      ProxyFleet fleet,
      GeneratedMesh mesh,
      java.util.function.ToLongBiFunction<SimulatedProxy, String> metric) {
    Map<String, Map<String, Long>> out = new TreeMap<>(Comparator.reverseOrder());
    List<SimulatedProxy> proxies = fleet.proxies();
    for (boolean scoped : new boolean[] {false, true}) {
      List<SimulatedProxy> kind =
          IntStream.range(0, proxies.size())
              .filter(i -> mesh.scoped(i) == scoped)
              .mapToObj(proxies::get)
              .toList();
      if (kind.isEmpty()) {
        continue;
      }
      Map<String, Long> perType = new LinkedHashMap<>();
      for (String type : CONFIG_TYPES) {
        long sum = kind.stream().mapToLong(p -> metric.applyAsLong(p, type)).sum();
        perType.put(TypeUrls.shortName(type), sum / kind.size());
      }
      out.put(scoped ? "scoped" : "unscoped", perType);
    }
    return out;
  }

  /** The same measures of both meshes, and policies / plain. */
  private static void compare(Phase plain, Phase policies) {
    say("COMPARE measure: plain | policies | policies/plain");
    row("initial sync ms", plain.syncMillis(), policies.syncMillis());
    row("endpoint change p50 ms", plain.endpointP50(), policies.endpointP50());
    row("endpoint change p99 ms", plain.endpointP99(), policies.endpointP99());
    row("every-route change p99 ms", plain.routeP99(), policies.routeP99());
    row("heap after GC, idle KiB", plain.heapIdle() / 1024, policies.heapIdle() / 1024);
    row("heap after GC, synced KiB", plain.heapSynced() / 1024, policies.heapSynced() / 1024);
    row("heap after GC, after changes KiB", plain.heapAfter() / 1024, policies.heapAfter() / 1024);
    Map<String, Long> base = plain.bytesPerProxy().get("unscoped");
    for (String kind : policies.bytesPerProxy().keySet()) {
      Map<String, Long> b = policies.bytesPerProxy().get(kind);
      Map<String, Long> r = policies.resourcesPerProxy().get(kind);
      for (String type : b.keySet()) {
        row(
            "bytes per " + kind + " proxy " + type + " (" + r.get(type) + " resources)",
            base.get(type),
            b.get(type));
      }
      row(
          "bytes per " + kind + " proxy, all four",
          base.values().stream().mapToLong(Long::longValue).sum(),
          b.values().stream().mapToLong(Long::longValue).sum());
    }
  }

  private static void row(String what, long plain, long policies) {
    say(
        "COMPARE %s: %d | %d | %s",
        what, plain, policies, plain > 0 ? String.format("%.3f", (double) policies / plain) : "-");
  }

  private static void report(String what, ProxyFleet.Convergence r, int proxies) {
    List<Long> sorted = r.latenciesMillis().stream().sorted().toList();
    // min: the first proxy to converge, i.e. the control plane's latency before it pushes to anyone
    say(
        "%s: converged %d/%d, min=%d ms p50=%d ms p99=%d ms max=%d ms; bytes received by the fleet %s; resources %s",
        what,
        sorted.size(),
        proxies,
        pct(sorted, 0),
        pct(sorted, 50),
        pct(sorted, 99),
        pct(sorted, 100),
        r.bytes(),
        r.resources());
    if (r.missing() > 0) {
      say("WARNING %s: %d proxies did not converge within the timeout", what, r.missing());
    }
  }

  private static List<Long> summary(String what, List<Long> all) {
    List<Long> sorted = all.stream().sorted(Comparator.naturalOrder()).toList();
    say(
        "SUMMARY %s: samples=%d p50=%d ms p99=%d ms max=%d ms",
        what, sorted.size(), pct(sorted, 50), pct(sorted, 99), pct(sorted, 100));
    return sorted;
  }

  /** Nearest-rank percentile; -1 when nothing converged. */
  static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1024.0 / 1024.0);
  }

  static void say(String format, Object... args) {
    System.out.println(String.format(format, args));
    System.out.flush();
  }

  private XdsLoadBenchmark() {}
}
