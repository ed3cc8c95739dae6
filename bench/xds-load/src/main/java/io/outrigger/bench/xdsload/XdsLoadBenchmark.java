package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The xDS load harness: a generated registry of S services, the control plane in its own JVM, P
 * simulated sidecars on plaintext ADS over loopback; measures convergence of a single endpoint
 * change and of a change to every route, the bytes each sends, and the control plane's heap after
 * GC.
 */
public final class XdsLoadBenchmark {
  private static final Duration QUIET = Duration.ofSeconds(2);

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.parse(args);
    Path work = Files.createTempDirectory("outrigger-xds-load-");
    Path registry = Files.createDirectory(work.resolve("registry"));
    GeneratedMesh mesh = new GeneratedMesh(registry, settings.services());
    mesh.writeAll();
    say(
        "date=%s services=%d proxies=%d work=%s",
        Instant.now(), settings.services(), settings.proxies(), work);
    try (ControlPlaneProcess cp =
        ControlPlaneProcess.start(
            settings.cliLauncher(),
            "file:" + registry,
            work,
            settings.controlPlaneJvmArgs(),
            Duration.ofSeconds(60))) {
      say("control plane pid=%d xds=127.0.0.1:%d log=%s", cp.pid(), cp.xdsPort(), cp.logFile());
      say("heap after GC, no proxies: %s", mib(cp.heapUsedAfterGcBytes()));
      run(settings, mesh, cp);
    } finally {
      if (!settings.keepWork()) {
        deleteRecursively(work);
      }
    }
  }

  /**
   * The generated registry, CA and control-plane log go unless --keep-work true asks to read them.
   */
  private static void deleteRecursively(Path dir) throws IOException {
    try (var tree = Files.walk(dir)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void run(BenchSettings settings, GeneratedMesh mesh, ControlPlaneProcess cp)
      throws Exception {
    List<ProxyIdentity> identities =
        IntStream.range(0, settings.proxies()).mapToObj(mesh::proxy).toList();
    try (ProxyFleet fleet = new ProxyFleet(cp.xdsPort(), identities)) {
      Duration sync = fleet.connectAndSync(settings.timeout());
      say("initial sync of %d proxies: %d ms", fleet.size(), sync.toMillis());
      say("heap after GC, %d proxies synced: %s", fleet.size(), mib(cp.heapUsedAfterGcBytes()));
      if (settings.changesRecording() != null) {
        cp.jcmd("JFR.start", "name=changes", "settings=profile");
      }

      List<Long> endpoint = new ArrayList<>();
      for (int c = 0; c < settings.endpointChanges(); c++) {
        int service = (c * 97 + 13) % settings.services();
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
      summary("single endpoint change", endpoint);

      List<Long> routes = new ArrayList<>();
      for (int c = 0; c < settings.routeChanges(); c++) {
        String marker = mesh.nextRouteMarker();
        ProxyFleet.Convergence result =
            fleet.measure(
                mesh::changeEveryRoute,
                p -> Changes.everyRouteMarked(marker, settings.services()),
                settings.timeout(),
                QUIET);
        report("change to every route (" + mesh.routeMarker() + ")", result, fleet.size());
        routes.addAll(result.latenciesMillis());
      }
      summary("change to every route", routes);
      if (settings.changesRecording() != null) {
        cp.jcmd("JFR.dump", "name=changes", "filename=" + settings.changesRecording());
        say("JFR recording of the changes: %s", settings.changesRecording());
      }
      say("heap after GC, after the changes: %s", mib(cp.heapUsedAfterGcBytes()));
      say("NACKs sent by simulated proxies: %d", fleet.nacks());
    }
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

  private static void summary(String what, List<Long> all) {
    List<Long> sorted = all.stream().sorted(Comparator.naturalOrder()).toList();
    say(
        "SUMMARY %s: samples=%d p50=%d ms p99=%d ms max=%d ms",
        what, sorted.size(), pct(sorted, 50), pct(sorted, 99), pct(sorted, 100));
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
