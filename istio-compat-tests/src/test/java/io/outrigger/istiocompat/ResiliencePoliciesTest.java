package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.istiocompat.PodHttp.Outcome;
import io.outrigger.testsupport.EnvoyAdmin;
import io.outrigger.testsupport.EnvoyExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's traffic-management tasks (request timeouts, retries, fault injection, circuit breaking,
 * outlier detection, consistent hash, header manipulation, mirroring, rewrite, redirect) with the
 * same YAML shapes, observed in real traffic from productpage's pod to reviews through both
 * sidecars. One mesh for the class; every test writes the VirtualService and DestinationRule it
 * needs and waits until productpage's sidecar holds them. The reviews apps misbehave on request
 * ({@code x-echo-*} headers of the test-support EchoServer).
 */
class ResiliencePoliciesTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final String HOST = ServiceAddress.REVIEWS.host();
  private static final String VIRTUAL_SERVICE_FILE = Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE;
  private static final String DESTINATION_RULE_FILE = "reviews-destinationrule.yaml";
  private static final String V1_CLUSTER = "cluster.outbound|9080|v1|" + HOST + ".";
  private static final String SERVICE_CLUSTER = "cluster.outbound|9080||" + HOST + ".";
  private static final String SUBSETS =
      """
      subsets:
        - {name: v1, labels: {version: v1}}
        - {name: v2, labels: {version: v2}}
        - {name: v3, labels: {version: v3}}
      """;

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh = Bookinfo.startReviewsInThreeVersions(ENVOYS);
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @AfterEach
  void sidecarsAcceptedEverything() {
    SidecarChecks.assertNoNackAndValid(mesh);
  }

  @Test
  void requestTimeoutAnswers504AfterHalfASecondWhenTheUpstreamTakesTwo() {
    apply(routeToV1("timeout", "timeout: 0.5s"), "");

    Outcome slow = outcomes(Map.of("x-echo-delay-ms", "2000"), 1, 1).getFirst();
    Outcome fast = outcomes(Map.of(), 1, 1).getFirst();

    assertThat(slow.status()).isEqualTo(504);
    assertThat(slow.time()).isBetween(Duration.ofMillis(450), Duration.ofMillis(1500));
    assertThat(fast.status()).isEqualTo(200);
  }

  @Test
  void retriesHideAnUpstreamThatFailsEveryOtherRequestAndEnvoyCountsThem() {
    apply(routeToV1("no-retries", "retries: {attempts: 0}"), "");
    List<Outcome> without = outcomes(Map.of("x-echo-fail-every", "2"), 20, 1);
    assertThat(without)
        .filteredOn(o -> o.status() == 503)
        .as("503s without retries")
        .hasSizeBetween(9, 11);

    apply(routeToV1("retries", "retries: {attempts: 3, perTryTimeout: 2s, retryOn: 5xx}"), "");
    assertEachRequestSucceedsOnItsRetry(100);
  }

  /**
   * One after another, the app alternates: each request's first attempt fails and its retry
   * succeeds, which Envoy counts.
   */
  private static void assertEachRequestSucceedsOnItsRetry(int count) {
    long retriesBefore = stat(V1_CLUSTER + "upstream_rq_retry");
    long successesBefore = stat(V1_CLUSTER + "upstream_rq_retry_success");

    List<Outcome> outcomes = outcomes(Map.of("x-echo-fail-every", "2"), count, 1);

    assertThat(outcomes).extracting(Outcome::status).containsOnly(200);
    assertThat(stat(V1_CLUSTER + "upstream_rq_retry") - retriesBefore)
        .as("retries counted by Envoy")
        .isEqualTo(count);
    assertThat(stat(V1_CLUSTER + "upstream_rq_retry_success") - successesBefore)
        .as("successful retries")
        .isEqualTo(count);
  }

  /**
   * Istio retries a route without {@code retries} twice on a 503 (its default policy), so the same
   * flaky upstream goes unnoticed without any retry config; {@code attempts: 0} (above) turns it
   * off.
   */
  @Test
  void istiosDefaultRetriesHideAnUpstreamThatFailsEveryOtherRequest() {
    apply(routeToV1("default-retries", ""), "");
    assertEachRequestSucceedsOnItsRetry(60);
  }

  @Test
  void faultAbortAtFiftyPercentAnswers503ToHalfOfAThousandRequests() {
    apply(routeToV1("abort", "fault: {abort: {httpStatus: 503, percentage: {value: 50}}}"), "");

    List<Outcome> outcomes = outcomes(Map.of(), 1000, 1);

    long aborted = outcomes.stream().filter(o -> o.status() == 503).count();
    assertThat(outcomes).extracting(Outcome::status).containsOnly(200, 503);
    assertThat(aborted / 10.0).as("percent of 503s").isBetween(45.0, 55.0);
  }

  /** Istio's task delays jason by 7 s; 2 s shows the same within the suite's time budget. */
  @Test
  void faultDelayOnlyForOneUser() {
    apply(
        virtualService(
            """
        - name: delay-jason
          match: [{headers: {end-user: {exact: jason}}}]
          fault: {delay: {fixedDelay: 2s, percentage: {value: 100}}}
          route: [{destination: {host: %1$s, subset: v1}}]
        - route: [{destination: {host: %1$s, subset: v1}}]
        """),
        "");

    List<Outcome> jason = outcomes(Map.of("end-user", "jason"), 3, 1);
    List<Outcome> others = outcomes(Map.of("end-user", "alice"), 3, 1);

    assertThat(jason)
        .allSatisfy(
            o -> {
              assertThat(o.status()).isEqualTo(200);
              assertThat(o.time()).isBetween(Duration.ofMillis(1950), Duration.ofMillis(3500));
            });
    assertThat(others)
        .allSatisfy(
            o -> {
              assertThat(o.status()).isEqualTo(200);
              assertThat(o.time()).isLessThan(Duration.ofMillis(1000));
            });
  }

  @Test
  void circuitBreakerOverflowsConcurrentRequestsWith503sThatEnvoyCounts() {
    apply(
        routeToV1("circuit-breaker", ""),
        """
        trafficPolicy:
          connectionPool:
            tcp: {maxConnections: 1}
            http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
        """,
        dump -> dump.contains("\"max_pending_requests\":1,"));
    long overflowBefore = stat(V1_CLUSTER + "upstream_rq_pending_overflow");

    List<Outcome> outcomes = outcomes(Map.of("x-echo-delay-ms", "300"), 40, 10);

    long overflowed = outcomes.stream().filter(o -> o.status() == 503).count();
    assertThat(outcomes).extracting(Outcome::status).containsOnly(200, 503);
    assertThat(outcomes)
        .filteredOn(o -> o.status() == 200)
        .as("requests let through")
        .hasSizeGreaterThanOrEqualTo(2);
    assertThat(overflowed).as("requests refused by the circuit breaker").isGreaterThanOrEqualTo(10);
    assertThat(stat(V1_CLUSTER + "upstream_rq_pending_overflow") - overflowBefore)
        .isEqualTo(overflowed);
  }

  /** The subset's own connectionPool replaces the rule's for that subset only. */
  @Test
  void aSubsetsTrafficPolicyAppliesToThatSubsetOnly() {
    String policy =
        """
        trafficPolicy:
          connectionPool:
            tcp: {maxConnections: 1}
            http: {http1MaxPendingRequests: 1}
        """;
    String subsets =
        """
        subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              connectionPool: {http: {http1MaxPendingRequests: 100}, tcp: {maxConnections: 100}}
          - {name: v2, labels: {version: v2}}
          - {name: v3, labels: {version: v3}}
        """;
    apply(
        routeToV1("subset-policy", ""),
        subsets,
        policy,
        dump -> dump.contains("\"max_pending_requests\":100,"));

    assertThat(outcomes(Map.of("x-echo-delay-ms", "300"), 20, 10))
        .as("v1, 100 connections allowed")
        .extracting(Outcome::status)
        .containsOnly(200);
    apply(
        route("subset-policy-v2", "", "{host: " + HOST + ", subset: v2}"),
        subsets,
        policy,
        dump -> dump.contains("\"max_pending_requests\":100,"));
    assertThat(outcomes(Map.of("x-echo-delay-ms", "300"), 20, 10))
        .as("v2, under the rule's limit of 1")
        .extracting(Outcome::status)
        .contains(503);
  }

  /** portLevelSettings for the port replace the rule's settings on that port, and only there. */
  @Test
  void portLevelSettingsOverrideTheRulesPolicyOnTheirPort() {
    apply(
        routeToV1("port-level", ""),
        SUBSETS,
        """
        trafficPolicy:
          connectionPool:
            tcp: {maxConnections: 1}
            http: {http1MaxPendingRequests: 1}
          portLevelSettings:
            - port: {number: 9080}
              connectionPool: {http: {http1MaxPendingRequests: 100}, tcp: {maxConnections: 100}}
            - port: {number: 9999}
              loadBalancer: {simple: RANDOM}
        """,
        dump -> dump.contains("\"max_pending_requests\":100,"));
    long overflowBefore = stat(V1_CLUSTER + "upstream_rq_pending_overflow");

    assertThat(outcomes(Map.of("x-echo-delay-ms", "300"), 20, 10))
        .extracting(Outcome::status)
        .containsOnly(200);
    assertThat(stat(V1_CLUSTER + "upstream_rq_pending_overflow") - overflowBefore).isZero();
  }

  @Test
  void outlierDetectionEjectsTheFailingEndpointAndTrafficMovesToTheHealthyOnes() {
    // Istio's default retries would send a failed request to a healthy endpoint and hide the 503s
    // this test counts; the ejection itself happens either way.
    apply(
        routeToService("outlier", "retries: {attempts: 0}"),
        """
        trafficPolicy:
          outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 50}
        """,
        dump -> dump.contains("\"consecutive_5xx\":2"));
    Map<String, String> v2Fails = Map.of("x-echo-fail-name", Bookinfo.REVIEWS_V2.name());

    List<Outcome> first = outcomes(v2Fails, 30, 1);
    assertThat(first)
        .filteredOn(o -> o.status() == 503)
        .as("503s before v2 is ejected")
        .hasSizeBetween(1, 3);
    assertThat(stat(SERVICE_CLUSTER + "outlier_detection.ejections_active")).isEqualTo(1);

    List<EchoReply> after =
        PodHttp.echoMany(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, v2Fails, 60);
    assertThat(after)
        .extracting(EchoReply::name)
        .containsOnly(Bookinfo.REVIEWS_V1.name(), Bookinfo.REVIEWS_V3.name());
  }

  @Test
  void consistentHashOnAHeaderKeepsEachUserOnOneEndpoint() {
    apply(
        routeToService("consistent-hash", ""),
        """
        trafficPolicy:
          loadBalancer:
            consistentHash: {httpHeaderName: x-user}
        """,
        dump -> dump.contains("\"header_name\":\"x-user\""));

    Set<String> endpointsOfUsers = new HashSet<>();
    for (int user = 0; user < 8; user++) {
      List<EchoReply> replies =
          PodHttp.echoMany(
              mesh.pod(PRODUCTPAGE.name()).pod(),
              ServiceAddress.REVIEWS,
              Map.of("x-user", "user-" + user),
              user == 0 ? 100 : 20);
      Set<String> served = new HashSet<>(replies.stream().map(EchoReply::name).toList());
      assertThat(served).as("endpoints serving user-%d", user).hasSize(1);
      endpointsOfUsers.addAll(served);
    }
    assertThat(endpointsOfUsers).as("endpoints over 8 users").hasSizeGreaterThan(1);
  }

  @Test
  void requestAndResponseHeadersAreSetAddedAndRemoved() {
    applyEdgeRoutes();

    PodHttp.Exchange r = exchange("/", Map.of("x-mesh", "client", "x-debug", "1"));

    assertThat(r.body())
        .contains("\"x-mesh\":\"outrigger\"")
        .contains("\"x-trace-tag\":\"canary\"")
        .doesNotContain("x-debug");
    assertThat(r.head()).contains("x-served-by: reviews").doesNotContain("x-echo-server");
  }

  @Test
  void rewriteChangesThePathPrefixAndTheAuthority() {
    applyEdgeRoutes();

    PodHttp.Exchange r = exchange("/old/page?q=1", Map.of());

    assertThat(r.body())
        .contains("\"path\":\"/new/page?q=1\"")
        .contains("\"host\":\"reviews.internal\"");
  }

  @Test
  void redirectAnswersWithoutReachingTheApp() {
    applyEdgeRoutes();

    PodHttp.Exchange r = exchange("/moved", Map.of());

    assertThat(r.head())
        .startsWith("HTTP/1.1 308")
        .contains("location: http://moved.example/elsewhere");
    assertThat(r.body()).doesNotContain("\"name\"");
  }

  /**
   * A directResponse answers from the caller's sidecar; a regex rewrite reaches the app rewritten.
   */
  @Test
  void directResponseAndRegexRewrite() {
    apply(
        virtualService(
            """
        - name: retired
          match: [{uri: {prefix: /retired}}]
          directResponse: {status: 410, body: {string: "retired, see /v2"}}
        - name: versioned
          match: [{uri: {regex: "/v[0-9]+/.*"}}]
          rewrite:
            uriRegexRewrite: {match: "^/v([0-9]+)/(.*)$", rewrite: "/api/\\\\2"}
          route: [{destination: {host: %1$s, subset: v1}}]
        - name: rest
          route: [{destination: {host: %1$s, subset: v1}}]
        """),
        "");

    PodHttp.Exchange gone = exchange("/retired/books", Map.of());
    EchoReply rewritten =
        PodHttp.echo(
            mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, "/v3/books/1", Map.of());

    assertThat(gone.head()).startsWith("HTTP/1.1 410").doesNotContain("x-echo-server");
    assertThat(gone.body()).isEqualTo("retired, see /v2");
    assertThat(rewritten.path()).isEqualTo("/api/books/1");
  }

  @Test
  void corsPreflightIsAnsweredForAnAllowedOriginOnly() {
    applyEdgeRoutes();
    Map<String, String> preflight =
        Map.of("origin", "https://shop.example", "access-control-request-method", "POST");

    PodHttp.Exchange allowed = exchange("OPTIONS", "/", preflight);
    PodHttp.Exchange refused =
        exchange(
            "OPTIONS",
            "/",
            Map.of("origin", "https://evil.example", "access-control-request-method", "POST"));

    assertThat(allowed.head())
        .startsWith("HTTP/1.1 200")
        .contains("access-control-allow-origin: https://shop.example")
        .contains("access-control-allow-methods: GET,POST")
        .contains("access-control-max-age: 3600");
    assertThat(allowed.body())
        .as("answered by the sidecar, not the app")
        .doesNotContain("\"name\"");
    assertThat(refused.head()).doesNotContain("access-control-allow-origin");
  }

  @Test
  void mirrorSendsCopiesToV2WhileTheClientSeesOnlyV1() {
    apply(
        routeToV1(
            "mirror", "mirror: {host: " + HOST + ", subset: v2}\nmirrorPercentage: {value: 100}"),
        "");
    long before = inboundRequests(Bookinfo.REVIEWS_V2);

    List<EchoReply> replies =
        PodHttp.echoMany(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, Map.of(), 20);

    assertThat(replies).extracting(EchoReply::name).containsOnly(Bookinfo.REVIEWS_V1.name());
    awaitCopies(Bookinfo.REVIEWS_V2, before, 20);
  }

  /** Istio's {@code mirrors}: each mirror with its own percentage; the client still sees v1. */
  @Test
  void mirrorsCopyToEachMirrorAtItsOwnPercentage() {
    apply(
        routeToV1(
            "mirrors",
            "mirrors:\n- destination: {host: "
                + HOST
                + ", subset: v2}\n- destination: {host: "
                + HOST
                + ", subset: v3}\n  percentage: {value: 50}"),
        "");
    long v2Before = inboundRequests(Bookinfo.REVIEWS_V2);
    long v3Before = inboundRequests(Bookinfo.REVIEWS_V3);

    List<EchoReply> replies =
        PodHttp.echoMany(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, Map.of(), 60);

    assertThat(replies).extracting(EchoReply::name).containsOnly(Bookinfo.REVIEWS_V1.name());
    awaitCopies(Bookinfo.REVIEWS_V2, v2Before, 60);
    // 60 draws at p = 0.5: 30 ± 4.5 sigma is 13..47.
    assertThat(inboundRequests(Bookinfo.REVIEWS_V3) - v3Before)
        .as("copies received by reviews-v3's sidecar (50 %)")
        .isBetween(13L, 47L);
  }

  /** Requests the workload's sidecar passed to its app. */
  private static long inboundRequests(MeshWorkload workload) {
    return mesh.pod(workload.name())
        .sidecar()
        .admin()
        .findStat("cluster.inbound|9080||.upstream_rq_total")
        .orElse(0L);
  }

  /** Copies arrive after the client's answers: waits until {@code workload} got {@code count}. */
  private static void awaitCopies(MeshWorkload workload, long before, int count) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(inboundRequests(workload) - before)
                    .as("mirrored requests received by %s's sidecar", workload.name())
                    .isGreaterThanOrEqualTo(count));
  }

  private static void applyEdgeRoutes() {
    apply(
        virtualService(
            """
        - name: moved
          match: [{uri: {exact: /moved}}]
          redirect: {uri: /elsewhere, authority: moved.example, redirectCode: 308}
        - name: old-api
          match: [{uri: {prefix: /old/}}]
          rewrite: {uri: /new/, authority: reviews.internal}
          route: [{destination: {host: %1$s, subset: v1}}]
        - name: edge-headers
          headers:
            request:
              set: {x-mesh: outrigger}
              add: {x-trace-tag: canary}
              remove: [x-debug]
            response:
              set: {x-served-by: reviews}
              remove: [x-echo-server]
          corsPolicy:
            allowOrigins: [{exact: "https://shop.example"}]
            allowMethods: [GET, POST]
            maxAge: 1h
          route: [{destination: {host: %1$s, subset: v1}}]
        """),
        "");
  }

  /** A VirtualService with one route named {@code name} to subset v1, with {@code policy} lines. */
  private static String routeToV1(String name, String policy) {
    return route(name, policy, "{host: " + HOST + ", subset: v1}");
  }

  private static String routeToService(String name, String policy) {
    return route(name, policy, "{host: " + HOST + "}");
  }

  private static String route(String name, String policy, String destination) {
    return virtualService(
        """
        - name: %s
          %s
          route: [{destination: %s}]
        """
            .formatted(name, policy.replace("\n", "\n  "), destination));
  }

  /**
   * VirtualService bookinfo/reviews for reviews with these {@code http} routes ({@code %1$s} is the
   * host).
   */
  private static String virtualService(String http) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [%s]
          http:
        """
            .formatted(HOST)
        + http.replace("%1$s", HOST).indent(4);
  }

  private static void apply(String virtualService, String destinationRulePolicy) {
    apply(
        virtualService,
        destinationRulePolicy,
        dump ->
            !dump.contains("\"max_pending_requests\":1,")
                && !dump.contains("\"max_pending_requests\":100,")
                && !dump.contains("\"consecutive_5xx\"")
                && !dump.contains("\"header_name\":\"x-user\""));
  }

  /**
   * Writes the VirtualService and the reviews DestinationRule (its subsets plus {@code
   * destinationRulePolicy}) and waits until productpage's sidecar holds the VirtualService's first
   * route and {@code clusters} holds for its config dump (whitespace removed).
   */
  private static void apply(
      String virtualService, String destinationRulePolicy, Predicate<String> clusters) {
    apply(virtualService, SUBSETS, destinationRulePolicy, clusters);
  }

  private static void apply(
      String virtualService,
      String subsets,
      String destinationRulePolicy,
      Predicate<String> clusters) {
    mesh.registry()
        .write(
            DESTINATION_RULE_FILE,
            """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          host: %s
        %s%s"""
                .formatted(HOST, subsets.indent(2), destinationRulePolicy.indent(2)));
    mesh.registry().write(VIRTUAL_SERVICE_FILE, virtualService);
    String routeName =
        virtualService
            .lines()
            .filter(l -> l.trim().startsWith("- name: "))
            .findFirst()
            .map(l -> l.trim().substring("- name: ".length()))
            .orElseThrow();
    EnvoyAdmin admin = mesh.pod(PRODUCTPAGE.name()).sidecar().admin();
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .alias("productpage's sidecar holds route " + routeName + " and the DestinationRule")
        .until(
            () -> {
              String dump = admin.get("/config_dump").replaceAll("\\s", "");
              return dump.contains("\"name\":\"" + routeName + "\"") && clusters.test(dump);
            });
    assertThat(mesh.controlPlane().syncz().configErrors()).as("config errors").isEmpty();
  }

  private static List<Outcome> outcomes(Map<String, String> headers, int count, int parallel) {
    return PodHttp.outcomes(
        mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, "/", headers, count, parallel);
  }

  private static long stat(String name) {
    return mesh.pod(PRODUCTPAGE.name()).sidecar().admin().findStat(name).orElse(0L);
  }

  private static PodHttp.Exchange exchange(String path, Map<String, String> headers) {
    return exchange("GET", path, headers);
  }

  private static PodHttp.Exchange exchange(
      String method, String path, Map<String, String> headers) {
    return PodHttp.exchange(
        mesh.pod(PRODUCTPAGE.name()).pod(), method, ServiceAddress.REVIEWS, path, headers);
  }
}
