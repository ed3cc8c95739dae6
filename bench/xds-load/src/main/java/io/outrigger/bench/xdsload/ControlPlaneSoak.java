package io.outrigger.bench.xdsload;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.outrigger.testsupport.soak.JvmProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Soak of the control plane (issue 13): a file registry of {@code --services} services, the control
 * plane in its own JVM, {@code --proxies} simulated sidecars on ADS, and {@code --changes} endpoint
 * moves spread evenly over {@code --minutes}. Every minute it samples the control plane's heap
 * after a full GC, its thread count, its push rounds and what the fleet received. It passes when
 * heap and threads at the end of the last minute are within 10 % of the end of the first, push
 * rounds are no more than the changes and stop when the changes stop (no push loop), and every
 * proxy holds every service's current endpoint at the end. Exit status 1 otherwise.
 *
 * <p>Run: {@code bench/soak.sh control-plane} (bench/README.md).
 */
public final class ControlPlaneSoak {
  private static final double FLAT = 0.10;
  private static final Duration QUIET = Duration.ofSeconds(30);

  record Sample(
      int minute,
      long changes,
      long heapBytes,
      int threads,
      long pushRounds,
      long fleetResponses,
      long nacks,
      String load) {
    String row() {
      return String.format(
          "| %d | %d | %s | %d | %d | %d | %d | %s |",
          minute,
          changes,
          JvmProbe.mib(heapBytes),
          threads,
          pushRounds,
          fleetResponses,
          nacks,
          load);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int services = Integer.parseInt(options.getOrDefault("services", "200"));
    int proxies = Integer.parseInt(options.getOrDefault("proxies", "200"));
    int changes = Integer.parseInt(options.getOrDefault("changes", "10000"));
    int minutes = Integer.parseInt(options.getOrDefault("minutes", "10"));
    Path cliJar =
        Path.of(options.getOrDefault("cli-jar", "cli/target/outrigger.jar")).toAbsolutePath();
    List<String> jvmArgs = List.of(options.getOrDefault("cp-jvm-args", "-Xmx1g").split(" "));
    if (proxies > services) {
      throw new IllegalArgumentException(
          "--proxies " + proxies + " exceeds --services " + services);
    }
    Path work = Files.createTempDirectory("outrigger-cp-soak-");
    Path registry = Files.createDirectory(work.resolve("registry"));
    GeneratedMesh mesh = new GeneratedMesh(registry, services);
    mesh.writeAll();
    say(
        "date=%s services=%d proxies=%d changes=%d minutes=%d load=%s",
        Instant.now(), services, proxies, changes, minutes, JvmProbe.loadAverage());
    boolean passed;
    try (ControlPlaneProcess cp =
        ControlPlaneProcess.start(
            List.of("-jar", cliJar.toString()),
            "file:" + registry,
            work,
            jvmArgs,
            Duration.ofSeconds(120))) {
      say("control plane pid=%d xds=127.0.0.1:%d log=%s", cp.pid(), cp.xdsPort(), cp.logFile());
      passed = soak(mesh, cp, proxies, changes, minutes);
    } finally {
      try (var tree = Files.walk(work)) {
        for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    say("RESULT control-plane soak %s", passed ? "PASSED" : "FAILED");
    System.exit(passed ? 0 : 1);
  }

  private static boolean soak(
      GeneratedMesh mesh, ControlPlaneProcess cp, int proxyCount, int changes, int minutes)
      throws Exception {
    JvmProbe probe = cp.probe();
    HttpClient http = HttpClient.newHttpClient();
    List<ProxyIdentity> identities = IntStream.range(0, proxyCount).mapToObj(mesh::proxy).toList();
    try (ProxyFleet fleet = new ProxyFleet(cp.xdsPort(), identities)) {
      fleet.proxies().forEach(SimulatedProxy::keepEndpoints);
      Duration sync = fleet.connectAndSync(Duration.ofSeconds(300));
      say("initial sync of %d proxies: %d ms", fleet.size(), sync.toMillis());
      List<Sample> samples = new ArrayList<>();
      samples.add(sample(0, 0, probe, http, cp, fleet));
      say("%s", samples.get(0).row());

      long start = System.nanoTime();
      long interval = Duration.ofMinutes(minutes).toNanos() / changes;
      int done = 0;
      for (int minute = 1; minute <= minutes; minute++) {
        long minuteEnd = start + Duration.ofMinutes(minute).toNanos();
        while (done < changes && start + done * interval < minuteEnd) {
          long due = start + done * interval;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
          mesh.moveEndpoint(done % mesh.services());
          done++;
        }
        fleet.failOnStreamError();
        long rest = minuteEnd - System.nanoTime();
        if (rest > 0) {
          Thread.sleep(rest / 1_000_000);
        }
        Sample s = sample(minute, done, probe, http, cp, fleet);
        samples.add(s);
        say("%s", s.row());
        if (minute == 1 || minute == minutes) {
          say("control plane heap, minute %d:%n%s", minute, probe.topClasses(15));
        }
      }
      say("changes written: %d in %.1f s", done, (System.nanoTime() - start) / 1e9);

      long convergeStart = System.nanoTime();
      int unconverged = awaitConverged(mesh, fleet, Duration.ofMinutes(2));
      say(
          "converged after the last change: %d of %d proxies hold every service's current endpoint (%d ms)",
          fleet.size() - unconverged,
          fleet.size(),
          (System.nanoTime() - convergeStart) / 1_000_000);
      long roundsBefore = pushRounds(http, cp);
      long responsesBefore = fleet.responses();
      Thread.sleep(QUIET.toMillis());
      long quietRounds = pushRounds(http, cp) - roundsBefore;
      long quietResponses = fleet.responses() - responsesBefore;
      say(
          "in the %d s after convergence, no change written: %d push rounds, %d responses to the fleet",
          QUIET.toSeconds(), quietRounds, quietResponses);

      Sample first = samples.get(1);
      Sample last = samples.get(samples.size() - 1);
      double heap = JvmProbe.change(first.heapBytes(), last.heapBytes());
      double threads = JvmProbe.change(first.threads(), last.threads());
      long rounds = last.pushRounds() - samples.get(0).pushRounds();
      long responses = last.fleetResponses() - samples.get(0).fleetResponses();
      say(
          "| minute | changes | heap after GC | threads | push rounds | fleet responses | NACKs | load average |");
      say("|---|---|---|---|---|---|---|---|");
      samples.forEach(s -> say("%s", s.row()));
      say(
          "SUMMARY heap after GC minute 1 -> %d: %s -> %s (%+.1f %%); threads %d -> %d (%+.1f %%); "
              + "push rounds %d for %d changes (%.3f per change), fleet responses %d (%.1f per proxy per push round); "
              + "quiet: %d rounds, %d responses; unconverged %d; NACKs %d",
          minutes,
          JvmProbe.mib(first.heapBytes()),
          JvmProbe.mib(last.heapBytes()),
          heap * 100,
          first.threads(),
          last.threads(),
          threads * 100,
          rounds,
          done,
          (double) rounds / done,
          responses,
          (double) responses / fleet.size() / Math.max(1, rounds),
          quietRounds,
          quietResponses,
          unconverged,
          fleet.nacks());
      List<String> failures = new ArrayList<>();
      if (Math.abs(heap) > FLAT) {
        failures.add(String.format("heap after GC changed %+.1f %% (bound 10 %%)", heap * 100));
      }
      if (Math.abs(threads) > FLAT) {
        failures.add(String.format("threads changed %+.1f %% (bound 10 %%)", threads * 100));
      }
      if (rounds > done) {
        failures.add("push rounds " + rounds + " exceed the changes " + done);
      }
      if (quietRounds > 0 || quietResponses > 0) {
        failures.add("pushes went on without changes (a push loop)");
      }
      if (unconverged > 0) {
        failures.add(unconverged + " proxies did not converge");
      }
      if (fleet.nacks() > 0) {
        failures.add(fleet.nacks() + " NACKs");
      }
      failures.forEach(f -> say("FAILURE %s", f));
      return failures.isEmpty();
    }
  }

  private static Sample sample(
      int minute,
      long changes,
      JvmProbe probe,
      HttpClient http,
      ControlPlaneProcess cp,
      ProxyFleet fleet)
      throws Exception {
    return new Sample(
        minute,
        changes,
        probe.heapAfterGcBytes(),
        probe.threads(),
        pushRounds(http, cp),
        fleet.responses(),
        fleet.nacks(),
        JvmProbe.loadAverage());
  }

  /** Push rounds of the control plane: the count of its push-time timer, from /metrics. */
  private static long pushRounds(HttpClient http, ControlPlaneProcess cp)
      throws IOException, InterruptedException {
    String body =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cp.monitoringPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      if (line.startsWith("outrigger_xds_push_time_seconds_count")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new IllegalStateException("no outrigger_xds_push_time_seconds_count in /metrics");
  }

  /** Waits until every proxy holds every service's current address; returns how many do not. */
  private static int awaitConverged(GeneratedMesh mesh, ProxyFleet fleet, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int unconverged;
    do {
      unconverged = 0;
      for (SimulatedProxy p : fleet.proxies()) {
        if (!holdsCurrentEndpoints(mesh, p.endpoints())) {
          unconverged++;
        }
      }
      if (unconverged > 0) {
        Thread.sleep(1000);
      }
    } while (unconverged > 0 && System.nanoTime() < deadline);
    return unconverged;
  }

  private static boolean holdsCurrentEndpoints(
      GeneratedMesh mesh, Map<String, ClusterLoadAssignment> endpoints) {
    for (int i = 0; i < mesh.services(); i++) {
      ClusterLoadAssignment cla = endpoints.get(mesh.outboundCluster(i));
      if (cla == null) {
        return false;
      }
      List<String> addresses = new ArrayList<>();
      for (LocalityLbEndpoints l : cla.getEndpointsList()) {
        for (LbEndpoint e : l.getLbEndpointsList()) {
          addresses.add(e.getEndpoint().getAddress().getSocketAddress().getAddress());
        }
      }
      if (!addresses.equals(List.of(mesh.workloadAddress(i)))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException(
            "cp-soak: expected --option value, got '" + args[i] + "'");
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  private static void say(String format, Object... args) {
    XdsLoadBenchmark.say(format, args);
  }

  private ControlPlaneSoak() {}
}
