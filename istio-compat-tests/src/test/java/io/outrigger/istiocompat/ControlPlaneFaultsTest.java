package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults of the control plane and of what it reads, each with productpage sending requests to
 * reviews through both sidecars the whole time: the data plane must not lose a request, and the
 * mesh must take the next good change once the fault is over. The control plane runs as its own JVM
 * (it can be frozen); one mesh for the class, every test starts from the 90/10 canary in force.
 */
class ControlPlaneFaultsTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final String VIRTUAL_SERVICE_FILE = Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE;
  private static final Duration PAUSE = Duration.ofSeconds(30);
  private static final Duration CHANGE_ARRIVES = Duration.ofSeconds(10);

  /**
   * How long a cut-off file is left: far past the reload settle and push debounce, within the write
   * grace.
   */
  private static final Duration HELD = Duration.ofMillis(2500);

  private static final Duration MAX_TRAFFIC = Duration.ofSeconds(150);

  /** A workload with no pod: the identity of the hand-driven ADS proxy (AdsProbe). */
  private static final MeshWorkload RATINGS = MeshWorkload.bookinfo("ratings", "v1");

  /** Only in the registry and the probe's node metadata; nothing is sent to it. */
  private static final String RATINGS_IP = "198.18.255.4";

  /**
   * The sidecar that refuses a change the others take: its Envoy gets a runtime admin layer (the
   * sidecar bootstrap has no runtime layers), so the test can lower its RE2 program-size limit, as
   * a proxy of another Envoy build or runtime would have it.
   */
  private static final MeshWorkload STRICTER = Bookinfo.REVIEWS_V2;

  private static final String ADMIN_RUNTIME_LAYER =
      "layered_runtime: {layers: [{name: admin, admin_layer: {}}]}";

  /**
   * Envoy's default limit for a regex's RE2 program is 100; {@link #REGEX} compiles to 25. Only a
   * sidecar whose limit is {@link #STRICT_RE2_LIMIT} refuses it.
   */
  private static final int STRICT_RE2_LIMIT = 20;

  private static final String REGEX = "^(jason|json|jayson)-[0-9]{1,4}$";

  private static HostModeMesh mesh;

  /** NACKs seen before the test: a test that causes some on purpose moves this on. */
  private static SidecarChecks.NackState nacksBefore = SidecarChecks.NackState.NONE;

  @BeforeAll
  static void startMesh() {
    mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS
                .inSeparateJvm()
                .withSidecarArgs(STRICTER.name(), "--config-yaml", ADMIN_RUNTIME_LAYER),
            List.of("istio/peerauthentication-strict.yaml", "istio/reviews-destinationrule.yaml"),
            List.of(PRODUCTPAGE, Bookinfo.REVIEWS_V1, Bookinfo.REVIEWS_V2),
            List.of());
    // The hand-driven proxy of two tests must be a registry workload to be served.
    mesh.registry().writeWorkloadEntry(RATINGS, RATINGS_IP, true);
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  /**
   * Where the control plane's log stood when the test began: its lines since then are printed after
   * it.
   */
  private int logLinesBefore;

  @BeforeEach
  void canaryNinetyTenInForce() {
    logLinesBefore = (int) mesh.controlPlane().processLog().lines().count();
    mesh.registry().write(VIRTUAL_SERVICE_FILE, canary(90, 10));
    awaitSplit(90, 10);
  }

  @AfterEach
  void sidecarsAcceptedEverything() {
    // What the control plane said during the fault: warnings and errors, registry and CA events.
    mesh.controlPlane()
        .processLog()
        .lines()
        .skip(logLinesBefore)
        .filter(
            l ->
                l.contains("WARN")
                    || l.contains("ERROR")
                    || l.contains("event=file")
                    || l.contains("event=ca_"))
        .forEach(l -> System.out.println("control plane: " + l));
    SidecarChecks.assertNoNackAndValid(mesh, nacksBefore);
  }

  @Test
  void controlPlaneFrozenForThirtySecondsLosesNoRequestAndTakesTheNextChange() throws Exception {
    TrafficLoop.Result result =
        underTraffic(
            "control-plane-sigstop-30s",
            () -> {
              mesh.controlPlane().pause();
              try {
                Thread.sleep(PAUSE.toMillis());
              } finally {
                mesh.controlPlane().resume();
              }
              awaitAllInSync();
              mesh.registry().write(VIRTUAL_SERVICE_FILE, canary(50, 50));
              awaitSplit(50, 50);
            });
    assertThat(result.sent()).as("requests sent during the fault").isGreaterThan(100);
  }

  @Test
  void truncatedRegistryFilesKeepTheLastGoodConfigAndTheFinishedWriteIsTaken() throws Exception {
    String services = RegistryDirectory.sample("services.yaml");
    String fixed = canary(80, 20);
    underTraffic(
        "registry-files-truncated",
        () -> {
          // Writers stopped mid-write, each left so well past the reload settle and the push
          // debounce.
          // Cut after productpage's "clusterIP: 198.19.0.1" (of .10): valid YAML, and reviews'
          // Service gone.
          holdsTheLastGood("services.yaml", cutAfter(services, "clusterIP: 198.19.0.1"));
          mesh.registry().writeInPlace("services.yaml", services);
          holdsTheLastGood(
              VIRTUAL_SERVICE_FILE,
              cutAfter(fixed, "weight: 8")); // one route of weight 8 + half a file
          holdsTheLastGood(VIRTUAL_SERVICE_FILE, ""); // truncated, nothing written yet
          mesh.registry().writeInPlace(VIRTUAL_SERVICE_FILE, fixed);
          awaitSplit(80, 20);
        });
  }

  @Test
  void registryDirectoryReplacedMidWriteKeepsTheLastGoodConfigAndTakesTheNewTree()
      throws Exception {
    String fixed = canary(70, 30);
    underTraffic(
        "registry-directory-replaced",
        () -> {
          // The new tree is swapped in while its VirtualService is still half written.
          mesh.registry().replaceWhole(Map.of(VIRTUAL_SERVICE_FILE, cutAfter(fixed, "weight: 7")));
          Thread.sleep(HELD.toMillis());
          assertThat(RouteWeights.of(mesh.pod(PRODUCTPAGE.name()), ServiceAddress.REVIEWS.host()))
              .as("productpage's routes with the new tree's VirtualService half written")
              .containsExactly(List.of(90, 10));
          mesh.registry().writeInPlace(VIRTUAL_SERVICE_FILE, fixed);
          awaitSplit(70, 30);
          // And the new directory is the one watched from now on.
          mesh.registry().write(VIRTUAL_SERVICE_FILE, canary(60, 40));
          awaitSplit(60, 40);
        });
  }

  /**
   * Envoy NACKs only config it refuses, and what the control plane generates passes Envoy's own
   * validation (every test checks that), so the NACKing proxy is a hand-driven ADS stream: a fourth
   * proxy, ratings, with a real token, that rejects every response as an Envoy refusing its config
   * would.
   */
  @Test
  void aProxyThatNacksEverythingDoesNotHoldBackUpdatesToTheOthers() throws Exception {
    String ratingsNode =
        BootstrapParams.sidecarNodeId(RATINGS_IP, RATINGS.name(), RATINGS.namespace());
    MeshControlPlane cp = mesh.controlPlane();
    underTraffic(
        "nacking-proxy",
        () -> {
          try (AdsProbe nacking = probe(RATINGS)) {
            nacking.rejectEverything();
            nacking.request(RATINGS, RATINGS_IP, AdsProbe.CLUSTER, List.of());
            await()
                .atMost(CHANGE_ARRIVES)
                .alias("the control plane records ratings' NACK")
                .until(
                    () ->
                        cp.syncz().nacks().stream().anyMatch(n -> n.startsWith(ratingsNode + " ")));
            int before = nacking.responses().size();
            // A change for everyone: a new subset (a new cluster for every proxy, the NACKing one
            // too) and a new split.
            mesh.registry()
                .write(
                    "reviews-destinationrule.yaml",
                    RegistryDirectory.sample(
                        "istio/reviews-destinationrule.yaml",
                        Map.of(
                            "    - name: v3",
                            "    - name: v4\n      labels:\n"
                                + "        version: v4\n    - name: v3")));
            mesh.registry().write(VIRTUAL_SERVICE_FILE, canary(50, 50));
            awaitSplit(50, 50);
            awaitAllInSync();
            await()
                .atMost(CHANGE_ARRIVES)
                .alias("the NACKing proxy is still sent the newer version")
                .until(() -> nacking.responses().size() > before);
            int afterChange = nacking.responses().size();
            Thread.sleep(3000);
            assertThat(nacking.responses())
                .as("responses to the NACKing proxy: a rejected version is not sent again")
                .hasSize(afterChange);
            assertThat(newNacks(cp))
                .as("NACKs the control plane knows of")
                .isNotEmpty()
                .allSatisfy(
                    n ->
                        assertThat(n)
                            .startsWith(ratingsNode + " ")
                            .contains("probe rejects version"));
            System.out.printf(
                "FAULT nacking-proxy: responses to it %d (1 before the change, %d after), "
                    + "the other %d proxies in sync on the change%n",
                afterChange, afterChange - before, mesh.meshedPods().size());
          } finally {
            mesh.registry().copySample("istio/reviews-destinationrule.yaml");
          }
        });
    await()
        .atMost(CHANGE_ARRIVES)
        .alias("the NACKing proxy's stream is gone from /debug/syncz")
        .until(() -> newNacks(cp).isEmpty());
  }

  /**
   * A real Envoy refuses a change the others take: reviews-v2's sidecar runs with a stricter RE2
   * limit, and a VirtualService (valid Istio, valid for the other sidecars) gets a header regex
   * over that limit together with a new split. It NACKs with Envoy's reason, keeps its last good
   * routes, is not sent the refused version again, and the control plane reports it in
   * /debug/syncz, its metrics and its log; productpage's and reviews-v1's sidecars take the change
   * and traffic through all three goes on. Once the regex is gone, the stricter sidecar takes the
   * next change too.
   */
  @Test
  void aSidecarThatRefusesAChangeKeepsItsLastGoodConfigWhileTheOthersTakeIt() throws Exception {
    MeshControlPlane cp = mesh.controlPlane();
    MeshedPod stricter = mesh.pod(STRICTER.name());
    String node = stricter.nodeId();
    String reviews = ServiceAddress.REVIEWS.host();
    double nacksMetricBefore = cp.metric("outrigger_xds_nacks_total");
    underTraffic(
        "sidecar-nacks-a-change",
        () -> {
          stricter
              .sidecar()
              .admin()
              .post("/runtime_modify?re2.max_program_size.error_level=" + STRICT_RE2_LIMIT);
          try {
            mesh.registry().write(VIRTUAL_SERVICE_FILE, canaryWithRegex(50, 50));
            awaitSplit(50, 50);
            await()
                .atMost(CHANGE_ARRIVES)
                .alias("the control plane records reviews-v2's NACK")
                .until(() -> cp.syncz().nacks().stream().anyMatch(n -> n.startsWith(node + " ")));
            for (MeshedPod p : mesh.meshedPods()) {
              if (!p.equals(stricter)) {
                await()
                    .atMost(CHANGE_ARRIVES)
                    .alias(p.workload().name() + "'s sidecar took the change")
                    .until(() -> cp.syncz().inSync(p.nodeId()));
              }
            }
            assertThat(newNacks(cp))
                .as("NACKs in /debug/syncz: reviews-v2's only, with Envoy's reason")
                .isNotEmpty()
                .allSatisfy(
                    n ->
                        assertThat(n)
                            .startsWith(node + " ")
                            .contains("RE2 program size")
                            .contains("max program size of " + STRICT_RE2_LIMIT));
            assertThat(cp.syncz().inSync(node)).as("reviews-v2's sidecar in sync").isFalse();
            assertThat(RouteWeights.of(stricter, reviews))
                .as("reviews-v2's sidecar keeps its last good routes")
                .containsExactly(List.of(90, 10));
            assertThat(RouteWeights.of(mesh.pod(Bookinfo.REVIEWS_V1.name()), reviews))
                .as("reviews-v1's sidecar has the change")
                .containsExactly(List.of(50, 50));
            assertThat(rejectedRoutes(stricter))
                .as("reviews-v2's RDS updates rejected")
                .isPositive();
            double nacksMetric = cp.metric("outrigger_xds_nacks_total");
            assertThat(nacksMetric)
                .as("outrigger_xds_nacks_total")
                .isGreaterThan(nacksMetricBefore);
            assertThat(cp.processLog().lines().filter(l -> l.contains("event=xds_nack")))
                .as("the control plane's log")
                .anySatisfy(l -> assertThat(l).contains("RE2 program size"));
            // Bounded observation that nothing loops: Envoy would NACK every re-send.
            Thread.sleep(3000);
            assertThat(cp.metric("outrigger_xds_nacks_total"))
                .as("NACKs 3 s later: the refused version is not sent again")
                .isEqualTo(nacksMetric);
            System.out.printf(
                "FAULT sidecar-nacks-a-change: NACKs %.0f, reviews-v2 kept 90/10, the other %d"
                    + " sidecars took 50/50%n",
                nacksMetric - nacksMetricBefore, mesh.meshedPods().size() - 1);
          } finally {
            stricter.sidecar().admin().post("/runtime_modify?re2.max_program_size.error_level=100");
          }
          // The next change without the regex reaches it like the others.
          mesh.registry().write(VIRTUAL_SERVICE_FILE, canary(80, 20));
          awaitSplit(80, 20);
          RouteWeights.awaitSplit(stricter, reviews, List.of(80, 20), CHANGE_ARRIVES);
          awaitAllInSync();
        });
    // Envoy's rejected-update stats and the NACK shown in /debug/syncz stay: the ones of this test
    // were asserted above, later tests count from here.
    nacksBefore = SidecarChecks.nackState(mesh);
  }

  /** The control plane's NACK entries not known before the test. */
  private static List<String> newNacks(MeshControlPlane cp) {
    return cp.syncz().nacks().stream().filter(n -> !nacksBefore.nacks().contains(n)).toList();
  }

  private static long rejectedRoutes(MeshedPod pod) {
    return pod.sidecar().admin().stats().entrySet().stream()
        .filter(e -> e.getKey().contains(".rds.") && e.getKey().endsWith("update_rejected"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /**
   * The CA signs with the key it loaded at start; the key file is read again when the CA directory
   * changes (a rotation). Tests run as root, for whom mode 000 does not stop a read: a directory of
   * mode 000 in the key's place makes the read fail with an I/O error as EACCES would.
   */
  @Test
  void caKeyFileUnreadableFailsTheRotationLoudlyWhileCertificatesAreStillIssuedAndServed()
      throws Exception {
    MeshControlPlane cp = mesh.controlPlane();
    Path key = cp.caDir().resolve("ca-key.pem");
    Path aside = cp.caDir().resolve("ca-key.pem.aside");
    Path caCert = cp.caDir().resolve("ca-cert.pem");
    double failuresBefore = cp.metric("outrigger_ca_reload_failures_total");
    underTraffic(
        "ca-key-unreadable",
        () -> {
          Files.move(key, aside);
          Files.createDirectory(
              key,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("---------")));
          try {
            // The same CA certificate written anew: the control plane sees a rotation and reads the
            // key again.
            Files.writeString(caCert, Files.readString(caCert) + "\n");
            await()
                .atMost(Duration.ofSeconds(20))
                .alias("outrigger_ca_reload_failures_total counts the failed load")
                .until(() -> cp.metric("outrigger_ca_reload_failures_total") > failuresBefore);
            assertThat(cp.processLog().lines().filter(l -> l.contains("event=ca_reload_failed")))
                .as("the control plane's log")
                .anySatisfy(
                    l ->
                        assertThat(l)
                            .contains("ERROR")
                            .contains(key.toString())
                            .contains("Is a directory"));
            double issuedBefore = cp.metric("outrigger_ca_issued_total");
            try (AdsProbe newProxy = probe(RATINGS)) {
              newProxy.request(RATINGS, RATINGS_IP, AdsProbe.SECRET, List.of("default"));
              assertThat(newProxy.awaitResponse(AdsProbe.SECRET, CHANGE_ARRIVES))
                  .as("a certificate for a new proxy")
                  .hasValueSatisfying(
                      r ->
                          assertThat(spiffeIds(r))
                              .containsExactly(RATINGS.spiffeId(cp.trustDomain())));
            }
            assertThat(cp.metric("outrigger_ca_issued_total"))
                .as("certificates issued")
                .isGreaterThan(issuedBefore);
            System.out.printf(
                "FAULT ca-key-unreadable: reload failures counted %.0f, a new certificate issued with the"
                    + " key in memory%n",
                cp.metric("outrigger_ca_reload_failures_total") - failuresBefore);
          } finally {
            Files.delete(key);
            Files.move(aside, key);
          }
          await()
              .atMost(Duration.ofSeconds(20))
              .alias("the fixed CA directory is loaded")
              .until(() -> cp.processLog().contains("event=ca_reloaded"));
          awaitAllInSync();
        });
  }

  /**
   * Runs the fault with productpage sending to reviews from 1 s before it until 1 s after, reports
   * the figures and fails on any failed request.
   */
  private static TrafficLoop.Result underTraffic(String fault, TrafficLoop.Fault body)
      throws Exception {
    TrafficLoop.Result r = TrafficLoop.around(client(), ServiceAddress.REVIEWS, MAX_TRAFFIC, body);
    report(fault, r);
    assertThat(r.failed()).as("failed requests during %s: %s", fault, r).isZero();
    return r;
  }

  /** A hand-driven ADS stream on the control plane's TLS port with a real token for {@code w}. */
  private static AdsProbe probe(MeshWorkload w) throws javax.net.ssl.SSLException {
    MeshControlPlane cp = mesh.controlPlane();
    return new AdsProbe(
        mesh.gateway(),
        cp.xdsTlsPort(),
        cp.serverName(),
        cp.rootCertPem(),
        cp.mintToken(w.identity(), Duration.ofHours(1)));
  }

  private static List<String> spiffeIds(DiscoveryResponse r) {
    try {
      return ProxyIdentityTest.spiffeIds(r);
    } catch (Exception e) {
      throw new AssertionError("cannot read the certificates of " + r.getTypeUrl(), e);
    }
  }

  /**
   * Writes the cut-off text in place, waits {@link #HELD}, and checks productpage's sidecar still
   * holds 90/10.
   */
  private static void holdsTheLastGood(String file, String cut) throws InterruptedException {
    mesh.registry().writeInPlace(file, cut);
    Thread.sleep(HELD.toMillis());
    assertThat(RouteWeights.of(mesh.pod(PRODUCTPAGE.name()), ServiceAddress.REVIEWS.host()))
        .as("productpage's routes with %s cut to %d bytes", file, cut.length())
        .containsExactly(List.of(90, 10));
  }

  /** {@code text} up to and including the first {@code marker}: a write stopped mid-line. */
  private static String cutAfter(String text, String marker) {
    int at = text.indexOf(marker);
    if (at < 0) {
      throw new IllegalArgumentException("no '" + marker + "' to cut after");
    }
    return text.substring(0, at + marker.length());
  }

  /** The canary with the jason route's exact match replaced by {@link #REGEX}. */
  private static String canaryWithRegex(int v1, int v2) {
    String text = canary(v1, v2);
    if (!text.contains("exact: jason")) {
      throw new IllegalStateException("the canary sample has no 'exact: jason' to replace");
    }
    return text.replace("exact: jason", "regex: '" + REGEX + "'");
  }

  private static String canary(int v1, int v2) {
    return RegistryDirectory.sample(
        "istio/reviews-canary-90-10.yaml",
        Map.of("weight: 90", "weight: " + v1, "weight: 10", "weight: " + v2));
  }

  private static void awaitSplit(int v1, int v2) {
    RouteWeights.awaitSplit(
        mesh.pod(PRODUCTPAGE.name()),
        ServiceAddress.REVIEWS.host(),
        List.of(v1, v2),
        CHANGE_ARRIVES);
  }

  /** Every sidecar connected to the control plane and has ACKed what it was last sent. */
  private static void awaitAllInSync() {
    for (MeshedPod p : mesh.meshedPods()) {
      await()
          .atMost(Duration.ofSeconds(45))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .alias(p.workload().name() + "'s sidecar in sync")
          .until(() -> mesh.controlPlane().syncz().inSync(p.nodeId()));
    }
  }

  private static NetnsPod client() {
    return mesh.pod(PRODUCTPAGE.name()).pod();
  }

  /**
   * One line per fault in the test output, the figures docs/reliability.md quotes; the client must
   * have sent the whole time the fault lasted.
   */
  private static void report(String fault, TrafficLoop.Result r) {
    System.out.printf("FAULT %s: %s%n", fault, r);
    assertThat(r.ranUntilStopped())
        .as("the client sent requests until the fault was over: %s", r)
        .isTrue();
  }
}
