package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.istiocompat.PodHttp.Outcome;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Sidecar resource's ingress listeners, per-port egress listeners and inbound connection pool
 * with real sidecars in network-namespace pods: a Sidecar ingress exposes port 9080 of an app that
 * listens on 127.0.0.1:8080 only, under STRICT mTLS and an AuthorizationPolicy, captured or on a
 * listener the sidecar binds itself (captureMode NONE); an egress listener for port 9080 lets its
 * proxy reach only the hosts it lists on that port; an inbound connection pool overflows concurrent
 * requests, counted by the server's Envoy; an egress proxy receives the traffic to unknown
 * destinations.
 */
class SidecarListenersTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS_V1 = Bookinfo.REVIEWS_V1;

  /** ratings' app listens on 127.0.0.1:8080 only; its Service and WorkloadEntry say 9080. */
  private static final MeshWorkload RATINGS = MeshWorkload.bookinfo("ratings", "v1");

  private static final MeshWorkload DETAILS = MeshWorkload.bookinfo("details", "v1");
  private static final ServiceAddress RATINGS_SERVICE =
      new ServiceAddress("ratings.bookinfo.svc.cluster.local", "198.19.0.12", 9080);
  private static final ServiceAddress DETAILS_SERVICE =
      new ServiceAddress("details.bookinfo.svc.cluster.local", "198.19.0.11", 9080);
  private static final Duration CONFIG_TIMEOUT = Duration.ofSeconds(20);

  private static final String RATINGS_STRICT =
      """
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: {name: ratings, namespace: bookinfo}
      spec:
        selector:
          matchLabels: {app: ratings}
        mtls: {mode: STRICT}
      """;

  @Test
  void anIngressListenerExposesAnAppOnLoopbackOnlyThroughItsSidecarWithStrictMtls() {
    try (HostModeMesh mesh =
        startWithRatingsOnLoopback(
            HostModeMesh.Options.DEFAULTS, "its inbound cluster dials 9080")) {
      MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
      MeshedPod ratings = mesh.pod(RATINGS.name());
      mesh.registry()
          .writeSidecar(
              "ratings",
              """
              ingress:
              - port: {number: 9080, protocol: HTTP, name: http}
                defaultEndpoint: 127.0.0.1:8080
              """);
      mesh.registry()
          .write(
              "ratings-policies.yaml",
              RATINGS_STRICT
                  + """
              ---
              apiVersion: security.istio.io/v1
              kind: AuthorizationPolicy
              metadata: {name: ratings-no-admin, namespace: bookinfo}
              spec:
                selector:
                  matchLabels: {app: ratings}
                action: DENY
                rules:
                - to:
                  - operation:
                      paths: [/admin]
              """);
      assertRatingsAnswersOverMtls(mesh);
      assertThat(status(productpage, RATINGS_SERVICE, "/admin"))
          .as("the AuthorizationPolicy applies on the ingress listener's chain")
          .isEqualTo(403);
      assertThat(plaintextFromOutsider(mesh, ratings, 8080))
          .as("the app itself is not reachable on the pod IP")
          .isNotZero();

      SidecarChecks.NackState before = SidecarChecks.nackState(mesh);
      mesh.registry()
          .write(
              "ratings-sidecar-bad.yaml",
              """
              apiVersion: networking.istio.io/v1
              kind: Sidecar
              metadata: {name: ratings-bad, namespace: bookinfo}
              spec:
                egress: [{hosts: ["./*"]}, {hosts: ["*/*"]}]
                ingress: [{port: {number: 9090}, defaultEndpoint: "localhost:8080"}]
              """);
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(mesh.controlPlane().syncz().configErrors())
                      .anyMatch(
                          e ->
                              e.contains("Sidecar bookinfo/ratings-bad")
                                  && e.contains("spec.egress[0]: only the last egress listener")));
      assertThat(PodHttp.echo(productpage.pod(), RATINGS_SERVICE, "/", Map.of()).name())
          .as("the refused Sidecar changes nothing")
          .isEqualTo(RATINGS.name());
      SidecarChecks.assertNoNackAndValid(mesh, before);
    }
  }

  @Test
  void anIngressListenerWithoutCaptureIsAPortTheSidecarBindsItself() {
    try (HostModeMesh mesh =
        startWithRatingsOnLoopback(
            HostModeMesh.Options.DEFAULTS.withUncapturedInboundPorts(RATINGS.name(), 9080),
            "9080 is not captured")) {
      mesh.registry()
          .writeSidecar(
              "ratings",
              """
              ingress:
              - port: {number: 9080, protocol: HTTP, name: http}
                defaultEndpoint: 127.0.0.1:8080
                captureMode: NONE
              """);
      mesh.registry().write("ratings-strict.yaml", RATINGS_STRICT);

      assertRatingsAnswersOverMtls(mesh);
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void anEgressListenerForOnePortReachesOnlyItsHostsOnThatPort() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS, List.of(), List.of(PRODUCTPAGE, REVIEWS_V1, DETAILS), List.of())) {
      MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
      assertThat(status(productpage, DETAILS_SERVICE, "/")).isEqualTo(200);

      mesh.registry()
          .writeSidecar(
              "productpage",
              """
              egress:
              - port: {number: 9080, protocol: HTTP, name: http}
                hosts: [./reviews.bookinfo.svc.cluster.local]
              - hosts: ["./*"]
              outboundTrafficPolicy: {mode: REGISTRY_ONLY}
              """);
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () -> assertThat(status(productpage, DETAILS_SERVICE, "/")).isNotEqualTo(200));

      assertThat(PodHttp.echo(productpage.pod(), ServiceAddress.REVIEWS, "/", Map.of()).name())
          .isEqualTo(REVIEWS_V1.name());
      assertThat(status(productpage, DETAILS_SERVICE, "/"))
          .as("details is selected by the catch-all, but port 9080 has its own listener")
          .isNotEqualTo(200);
      assertThat(
              PodHttp.echo(mesh.pod(REVIEWS_V1.name()).pod(), DETAILS_SERVICE, "/", Map.of())
                  .name())
          .as("a proxy the Sidecar does not select still reaches details")
          .isEqualTo(DETAILS.name());
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void anInboundConnectionPoolOverflowsConcurrentRequestsAndEnvoyCountsThem() {
    try (HostModeMesh mesh =
        HostModeMesh.start(ENVOYS, List.of(), List.of(PRODUCTPAGE, REVIEWS_V1), List.of())) {
      MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
      MeshedPod reviews = mesh.pod(REVIEWS_V1.name());
      Map<String, String> slow = Map.of("x-echo-delay-ms", "300");
      assertThat(load(productpage, slow))
          .as("no limit yet")
          .extracting(Outcome::status)
          .containsOnly(200);

      mesh.registry()
          .writeSidecar(
              "reviews",
              """
              inboundConnectionPool:
                tcp: {maxConnections: 1}
                http: {http1MaxPendingRequests: 1}
              """);
      String overflow = "cluster.inbound|9080||.upstream_rq_pending_overflow";
      await()
          .atMost(CONFIG_TIMEOUT)
          .until(
              () ->
                  reviews
                      .sidecar()
                      .admin()
                      .get("/config_dump")
                      .replaceAll("\\s", "")
                      .contains("\"max_pending_requests\":1,"));

      List<Outcome> outcomes = load(productpage, slow);

      long refused = outcomes.stream().filter(o -> o.status() == 503).count();
      long overflowed = reviews.sidecar().admin().findStat(overflow).orElse(0L);
      System.out.printf(
          "inbound-connection-pool: %d of %d requests 503, server overflow counter %d%n",
          refused, outcomes.size(), overflowed);
      assertThat(outcomes).extracting(Outcome::status).containsOnly(200, 503);
      assertThat(refused).as("requests refused by reviews' inbound pool").isGreaterThan(0);
      assertThat(overflowed)
          .as("counted by the server's Envoy (client retries add to it)")
          .isGreaterThanOrEqualTo(refused);
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void anEgressProxyReceivesTheTrafficToUnknownDestinations() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS, List.of(), List.of(PRODUCTPAGE), List.of("egress", "outsider"))) {
      NetnsPod egress = mesh.startEchoServers("egress", List.of(3128));
      MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
      ServiceAddress unknown =
          new ServiceAddress("unknown.example", mesh.plainPod("outsider").ip(), 8081);
      assertThat(status(productpage, unknown, "/"))
          .as("ALLOW_ANY without egress proxy: passed through to where nothing listens")
          .isNotEqualTo(200);

      mesh.registry()
          .writeSidecar(
              "productpage",
              """
              outboundTrafficPolicy:
                mode: ALLOW_ANY
                egressProxy:
                  host: egress.proxy.internal
                  port: {number: 3128}
              """);
      mesh.registry()
          .write(
              "egress-proxy.yaml",
              """
              apiVersion: networking.istio.io/v1
              kind: ServiceEntry
              metadata: {name: egress-proxy, namespace: bookinfo}
              spec:
                hosts: [egress.proxy.internal]
                location: MESH_EXTERNAL
                resolution: STATIC
                ports:
                - {number: 3128, name: tcp, protocol: TCP}
                endpoints:
                - address: %s
              """
                  .formatted(egress.ip()));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(() -> assertThat(status(productpage, unknown, "/")).isEqualTo(200));

      assertThat(PodHttp.echo(productpage.pod(), unknown, "/", Map.of()).name())
          .as("answered by the egress proxy, not the original destination")
          .isEqualTo("egress-3128");
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  /**
   * A mesh of productpage and ratings, whose app listens on 127.0.0.1:8080 only (its Service and
   * WorkloadEntry say 9080), and a plain pod "outsider"; productpage cannot reach ratings yet.
   */
  private static HostModeMesh startWithRatingsOnLoopback(
      HostModeMesh.Options options, String whyUnreachable) {
    HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            options.withAppSocket(RATINGS.name(), "127.0.0.1", 8080),
            List.of(),
            List.of(PRODUCTPAGE, RATINGS),
            List.of("outsider"));
    try {
      assertThat(status(mesh.pod(PRODUCTPAGE.name()), RATINGS_SERVICE, "/"))
          .as("without a Sidecar: %s, where nothing listens", whyUnreachable)
          .isNotEqualTo(200);
      return mesh;
    } catch (RuntimeException | Error e) {
      mesh.close();
      throw e;
    }
  }

  /**
   * Once the Sidecar is in force: productpage reaches ratings' app over the mesh's mTLS, the app
   * sees productpage's identity, and plaintext from outside the mesh to 9080 is refused (STRICT).
   */
  private static void assertRatingsAnswersOverMtls(HostModeMesh mesh) {
    MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
    await()
        .atMost(CONFIG_TIMEOUT)
        .untilAsserted(() -> assertThat(status(productpage, RATINGS_SERVICE, "/")).isEqualTo(200));
    EchoReply reply = PodHttp.echo(productpage.pod(), RATINGS_SERVICE, "/", Map.of());
    assertThat(reply.name()).isEqualTo(RATINGS.name());
    assertThat(reply.header("x-forwarded-client-cert"))
        .as("the app is reached over the mesh's mTLS, with the caller's identity")
        .hasValueSatisfying(
            xfcc -> assertThat(xfcc).contains("URI=" + PRODUCTPAGE.spiffeId(mesh.trustDomain())));
    assertThat(plaintextFromOutsider(mesh, mesh.pod(RATINGS.name()), 9080))
        .as("STRICT: plaintext from outside the mesh to the ingress port is refused")
        .isNotZero();
  }

  /** curl's exit code for a plaintext request from the plain pod "outsider" to {@code pod:port}. */
  private static int plaintextFromOutsider(HostModeMesh mesh, MeshedPod pod, int port) {
    return PodHttp.get(
            mesh.plainPod("outsider"), new ServiceAddress("direct", pod.ip(), port), "/", Map.of())
        .exitCode();
  }

  /** 40 requests to reviews, 10 at a time. */
  private static List<Outcome> load(MeshedPod client, Map<String, String> headers) {
    return PodHttp.outcomes(client.pod(), ServiceAddress.REVIEWS, "/", headers, 40, 10);
  }

  private static int status(MeshedPod client, ServiceAddress to, String path) {
    return PodHttp.outcomes(client.pod(), to, path, Map.of(), 1, 1).getFirst().status();
  }
}
