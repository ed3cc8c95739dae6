package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.testsupport.EnvoyAdmin;
import io.outrigger.testsupport.EnvoyExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Gateway API HTTPRoutes for the mesh (GAMMA): a route whose parentRef is the reviews Service, with
 * the shapes of the Gateway API mesh conformance tests (weights, header match, header modifiers,
 * redirect with host and status, URL rewrite, mirror), observed in real traffic from productpage's
 * pod through both sidecars. The backends are one Service per version of reviews, as GAMMA names
 * them. One mesh for the class; each test writes the route it needs and waits until productpage's
 * sidecar holds it.
 */
class GatewayApiRoutesTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final String ROUTE_FILE = "reviews-httproute.yaml";
  private static final String VERSIONS =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews-v1, namespace: bookinfo}
      spec:
        clusterIP: 198.19.0.101
        selector: {app: reviews, version: v1}
        ports: [{name: http, port: 9080, targetPort: 9080}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: reviews-v2, namespace: bookinfo}
      spec:
        clusterIP: 198.19.0.102
        selector: {app: reviews, version: v2}
        ports: [{name: http, port: 9080, targetPort: 9080}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: reviews-v3, namespace: bookinfo}
      spec:
        clusterIP: 198.19.0.103
        selector: {app: reviews, version: v3}
        ports: [{name: http, port: 9080, targetPort: 9080}]
      """;

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh = Bookinfo.startReviewsInThreeVersions(ENVOYS);
    mesh.registry().write("reviews-versions.yaml", VERSIONS);
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
  void weightsSplitAThousandRequestsWithinFivePoints() {
    apply(
        "weights",
        """
        - backendRefs:
          - {name: reviews-v1, port: 9080, weight: 3}
          - {name: reviews-v2, port: 9080, weight: 1}
        """);

    Map<String, Long> byVersion = countByName(echoes(Map.of(), 1000));
    System.out.println("event=httproute_weights requests=1000 split=" + byVersion);

    assertThat(byVersion.keySet())
        .containsOnly(Bookinfo.REVIEWS_V1.name(), Bookinfo.REVIEWS_V2.name());
    assertThat(byVersion.get(Bookinfo.REVIEWS_V2.name()) / 10.0)
        .as("percent to reviews-v2 (weight 1 of 4)")
        .isBetween(20.0, 30.0);
  }

  @Test
  void aHeaderMatchSendsOneUserToV3AndEveryoneElseToV1() {
    apply(
        "header-match",
        """
        - backendRefs: [{name: reviews-v1, port: 9080}]
        - matches:
          - headers: [{name: End-User, value: jason}]
          backendRefs: [{name: reviews-v3, port: 9080}]
        """);

    assertThat(echoes(Map.of("end-user", "jason"), 20))
        .extracting(EchoReply::name)
        .containsOnly(Bookinfo.REVIEWS_V3.name());
    assertThat(echoes(Map.of("end-user", "alice"), 20))
        .extracting(EchoReply::name)
        .containsOnly(Bookinfo.REVIEWS_V1.name());
  }

  @Test
  void headerModifiersSetAddAndRemoveRequestAndResponseHeaders() {
    apply(
        "header-modifier",
        """
        - filters:
          - type: RequestHeaderModifier
            requestHeaderModifier:
              set: [{name: X-Header-Set, value: set-overwrites-values}]
              add: [{name: X-Header-Add, value: add-appends-values}]
              remove: [X-Header-Remove]
          - type: ResponseHeaderModifier
            responseHeaderModifier:
              set: [{name: X-Served-By, value: reviews}]
              remove: [X-Echo-Server]
          backendRefs: [{name: reviews-v1, port: 9080}]
        """);

    PodHttp.Exchange r =
        exchange(
            "GET",
            "/",
            Map.of("x-header-set", "client", "x-header-add", "client", "x-header-remove", "1"));

    assertThat(r.body())
        .contains("\"x-header-set\":\"set-overwrites-values\"")
        // add appends to the client's value (the echo app joins repeated values with ", ")
        .contains("\"x-header-add\":\"client, add-appends-values\"")
        .doesNotContain("x-header-remove");
    assertThat(r.head()).contains("x-served-by: reviews").doesNotContain("x-echo-server");
  }

  @Test
  void aRedirectAnswersWithTheHostAndStatusWithoutReachingTheApp() {
    apply(
        "redirect",
        """
        - matches: [{path: {type: PathPrefix, value: /hostname-redirect}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {hostname: example.org}
        - matches: [{path: {type: PathPrefix, value: /host-and-status}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {hostname: example.org, statusCode: 301}
        """);

    PodHttp.Exchange found = exchange("GET", "/hostname-redirect", Map.of());
    PodHttp.Exchange moved = exchange("GET", "/host-and-status", Map.of());
    PodHttp.Exchange unmatched = exchange("GET", "/elsewhere", Map.of());

    assertThat(found.head())
        .startsWith("HTTP/1.1 302")
        .contains("location: http://example.org/hostname-redirect");
    assertThat(moved.head())
        .startsWith("HTTP/1.1 301")
        .contains("location: http://example.org/host-and-status");
    assertThat(found.body() + moved.body()).doesNotContain("\"name\"");
    // The spec: a request no rule matches gets a 404.
    assertThat(unmatched.head()).startsWith("HTTP/1.1 404");
  }

  @Test
  void urlRewriteReplacesThePrefixOrTheFullPathAndTheHost() {
    apply(
        "rewrite",
        """
        - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
          filters:
          - type: URLRewrite
            urlRewrite:
              hostname: reviews.internal
              path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}
          backendRefs: [{name: reviews-v1, port: 9080}]
        - matches: [{path: {type: PathPrefix, value: /strip-prefix}}]
          filters:
          - type: URLRewrite
            urlRewrite:
              path: {type: ReplacePrefixMatch, replacePrefixMatch: /}
          backendRefs: [{name: reviews-v1, port: 9080}]
        - matches: [{path: {type: PathPrefix, value: /full/one}}]
          filters:
          - type: URLRewrite
            urlRewrite:
              path: {type: ReplaceFullPath, replaceFullPath: /one}
          backendRefs: [{name: reviews-v1, port: 9080}]
        """);

    assertThat(exchange("GET", "/prefix/one/two?q=1", Map.of()).body())
        .contains("\"path\":\"/one/two?q=1\"")
        .contains("\"host\":\"reviews.internal\"");
    assertThat(exchange("GET", "/strip-prefix/three", Map.of()).body())
        .contains("\"path\":\"/three\"");
    assertThat(exchange("GET", "/strip-prefix", Map.of()).body()).contains("\"path\":\"/\"");
    assertThat(exchange("GET", "/full/one/two", Map.of()).body()).contains("\"path\":\"/one\"");
    // Element-wise prefix: /prefix/onetwo is not under /prefix/one.
    assertThat(exchange("GET", "/prefix/onetwo", Map.of()).head()).startsWith("HTTP/1.1 404");
  }

  @Test
  void aMirrorSendsCopiesToV2WhileTheClientSeesOnlyV1() {
    apply(
        "mirror",
        """
        - filters:
          - type: RequestMirror
            requestMirror:
              backendRef: {name: reviews-v2, port: 9080}
          backendRefs: [{name: reviews-v1, port: 9080}]
        """);
    EnvoyAdmin v2Sidecar = mesh.pod(Bookinfo.REVIEWS_V2.name()).sidecar().admin();
    String inbound = "cluster.inbound|9080||.upstream_rq_total";
    long before = v2Sidecar.findStat(inbound).orElse(0L);

    assertThat(echoes(Map.of(), 20))
        .extracting(EchoReply::name)
        .containsOnly(Bookinfo.REVIEWS_V1.name());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(v2Sidecar.findStat(inbound).orElse(0L) - before)
                    .as("mirrored requests received by reviews-v2's sidecar")
                    .isGreaterThanOrEqualTo(20));
  }

  /**
   * Writes HTTPRoute bookinfo/{@code name} on the reviews Service with these rules and waits until
   * productpage's sidecar holds its first route (named namespace.name.rule.match).
   */
  private static void apply(String name, String rules) {
    mesh.registry()
        .write(
            ROUTE_FILE,
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: %s, namespace: bookinfo}
            spec:
              parentRefs:
              - {group: "", kind: Service, name: reviews, port: 9080}
              rules:
            """
                    .formatted(name)
                + rules.indent(2));
    EnvoyAdmin admin = mesh.pod(Bookinfo.PRODUCTPAGE.name()).sidecar().admin();
    String routeName = "bookinfo." + name + ".0.0";
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .alias("productpage's sidecar holds route " + routeName)
        .until(
            () ->
                admin
                    .get("/config_dump")
                    .replaceAll("\\s", "")
                    .contains("\"name\":\"" + routeName + "\""));
    assertThat(mesh.controlPlane().syncz().configErrors()).as("config errors").isEmpty();
  }

  private static List<EchoReply> echoes(Map<String, String> headers, int count) {
    return PodHttp.echoMany(
        mesh.pod(Bookinfo.PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, headers, count);
  }

  private static Map<String, Long> countByName(List<EchoReply> replies) {
    return replies.stream().collect(Collectors.groupingBy(EchoReply::name, Collectors.counting()));
  }

  private static PodHttp.Exchange exchange(
      String method, String path, Map<String, String> headers) {
    return PodHttp.exchange(
        mesh.pod(Bookinfo.PRODUCTPAGE.name()).pod(), method, ServiceAddress.REVIEWS, path, headers);
  }
}
