package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.hostnet.ExecResult;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.apps.EchoServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two meshed pods (on delta xDS) and one outside the mesh. productpage calls reviews by its VIP:
 * the request crosses both sidecars over mutual TLS. PeerAuthentication decides whether the
 * outsider gets in.
 */
class MutualTlsTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;
  private static final String STRICT = "istio/peerauthentication-strict.yaml";
  private static final String PERMISSIVE =
      "../bookinfo-variants/peerauthentication-permissive.yaml";
  private static final Duration POLICY_APPLIED = Duration.ofSeconds(10);
  private static final String PLAINTEXT_RULE_FILE = "reviews-plaintext-destinationrule.yaml";
  private static final ServiceAddress RATINGS =
      new ServiceAddress("ratings.bookinfo.svc.cluster.local", "198.19.0.12", 9080);

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    // Delta xDS here (the other classes use state of the world), so both ADS flavours carry mTLS
    // and SDS.
    mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.withApiType(XdsApiType.DELTA_GRPC),
            List.of(STRICT),
            List.of(PRODUCTPAGE, REVIEWS),
            List.of("outsider"));
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
  void callCrossesBothSidecarsOverMutualTlsAndTheServerSeesTheCallersSpiffeId() {
    MeshedPod client = mesh.pod(PRODUCTPAGE.name());
    MeshedPod server = mesh.pod(REVIEWS.name());
    EchoReply reply = PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/reviews/1", Map.of());

    assertThat(reply.name()).isEqualTo(REVIEWS.name());
    assertThat(reply.header("x-forwarded-client-cert"))
        .as("x-forwarded-client-cert set by reviews' sidecar from the peer certificate")
        .hasValueSatisfying(
            xfcc -> assertThat(xfcc).contains("URI=" + PRODUCTPAGE.spiffeId(mesh.trustDomain())));
    // Connections are pooled, so the counters show handshakes happened; the header shows this
    // request's peer.
    assertThat(handshakes(client, "cluster.outbound|9080||reviews."))
        .as("TLS handshakes of productpage's sidecar towards reviews in %s", sslStats(client))
        .isPositive();
    assertThat(handshakes(server, "listener."))
        .as("TLS handshakes accepted by reviews' sidecar in %s", sslStats(server))
        .isPositive();
  }

  @Test
  void strictRefusesAClientOutsideTheMeshButNotAMeshedOne() {
    applyPeerAuthentication(STRICT);
    MeshedPod server = mesh.pod(REVIEWS.name());
    ServiceAddress direct = new ServiceAddress("reviews-v1", server.ip(), REVIEWS.port());

    await()
        .atMost(POLICY_APPLIED)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(plaintextFromOutsider(direct).exitCode()).isNotZero());
    for (int i = 0; i < 5; i++) {
      ExecResult refused = plaintextFromOutsider(direct);
      assertThat(refused.exitCode()).as("curl from outsider under STRICT: %s", refused).isNotZero();
      assertThat(refused.stdout()).doesNotContain(REVIEWS.name());
    }
    assertThat(
            PodHttp.echo(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, "/", Map.of())
                .name())
        .isEqualTo(REVIEWS.name());
  }

  @Test
  void permissiveAcceptsAClientOutsideTheMesh() {
    applyPeerAuthentication(PERMISSIVE);
    MeshedPod server = mesh.pod(REVIEWS.name());
    ServiceAddress direct = new ServiceAddress("reviews-v1", server.ip(), REVIEWS.port());
    try {
      await()
          .atMost(POLICY_APPLIED)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(plaintextFromOutsider(direct).exitCode()).isZero());
      EchoReply reply = PodHttp.echo(mesh.plainPod("outsider"), direct, "/", Map.of());
      assertThat(reply.name()).isEqualTo(REVIEWS.name());
      assertThat(reply.header("x-forwarded-client-cert"))
          .as("no client certificate from outside the mesh")
          .isEmpty();
      assertThat(
              PodHttp.echo(
                      mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, "/", Map.of())
                  .header("x-forwarded-client-cert"))
          .as("meshed callers still use mTLS under PERMISSIVE")
          .isPresent();
    } finally {
      applyPeerAuthentication(STRICT);
    }
  }

  @Test
  void aServiceWhoseWorkloadHasNoSidecarIsCalledInPlaintext() {
    // ratings runs in the outsider pod, no sidecar: its WorkloadEntry lacks the tlsMode label.
    MeshWorkload ratings = MeshWorkload.bookinfo("ratings", "v1");
    NetnsPod outsider = mesh.plainPod("outsider");
    Process server = outsider.start(EchoServer.commandLine(ratings.port(), ratings.name()), false);
    try {
      outsider.awaitListening(ratings.port(), HostModeMesh.READY_TIMEOUT);
      mesh.registry().writeWorkloadEntry(ratings, outsider.ip(), false);
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());

      await()
          .atMost(POLICY_APPLIED)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(PodHttp.get(client.pod(), RATINGS, "/", Map.of()).stdout())
                      .contains(ratings.name()));
      EchoReply reply = PodHttp.echo(client.pod(), RATINGS, "/ratings/1", Map.of());
      assertThat(reply.name()).isEqualTo(ratings.name());
      // Automatic mTLS: TLS only towards endpoints labelled as having a sidecar; a TLS hello would
      // have reached this plaintext server as garbage and failed the request.
      assertThat(handshakes(client, "cluster.outbound|9080||ratings."))
          .as("TLS handshakes towards ratings in %s", sslStats(client))
          .isZero();
      assertThat(
              client
                  .sidecar()
                  .admin()
                  .stat(
                      "cluster.outbound|9080||ratings.bookinfo.svc.cluster.local.upstream_rq_200"))
          .isPositive();
    } finally {
      mesh.registry().delete("workload-" + ratings.name() + ".yaml");
      server.destroy();
    }
  }

  @Test
  void aDestinationRuleWithTlsDisabledMakesTheClientSidecarSendPlaintext() {
    MeshedPod client = mesh.pod(PRODUCTPAGE.name());
    applyPeerAuthentication(STRICT);
    mesh.registry()
        .write(
            PLAINTEXT_RULE_FILE,
            """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews-plaintext
          namespace: bookinfo
        spec:
          host: reviews.bookinfo.svc.cluster.local
          trafficPolicy:
            tls:
              mode: DISABLE
        """);
    try {
      // The changed cluster gets new connections, in plaintext, which STRICT refuses. (The other
      // way
      // round, STRICT after plaintext, pooled connections keep working while the old chain drains.)
      await()
          .atMost(POLICY_APPLIED)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(
                          PodHttp.get(client.pod(), ServiceAddress.REVIEWS, "/", Map.of()).stdout())
                      .as("productpage -> reviews with tls.mode DISABLE under STRICT")
                      .doesNotContain(REVIEWS.name()));

      // PERMISSIVE lets the plaintext in; reviews' sidecar has no client certificate to report.
      applyPeerAuthentication(PERMISSIVE);
      await()
          .atMost(POLICY_APPLIED)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(
                          PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of())
                              .header("x-forwarded-client-cert"))
                      .as("productpage -> reviews with tls.mode DISABLE under PERMISSIVE")
                      .isEmpty());
    } finally {
      mesh.registry().delete(PLAINTEXT_RULE_FILE);
      applyPeerAuthentication(STRICT);
    }
    await()
        .atMost(POLICY_APPLIED)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(
                        PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of())
                            .header("x-forwarded-client-cert"))
                    .as("mTLS again once the rule is gone")
                    .isPresent());
  }

  private static void applyPeerAuthentication(String sample) {
    mesh.registry().delete("peerauthentication-strict.yaml");
    mesh.registry().delete("peerauthentication-permissive.yaml");
    mesh.registry().copySample(sample);
  }

  private static ExecResult plaintextFromOutsider(ServiceAddress direct) {
    return PodHttp.get(mesh.plainPod("outsider"), direct, "/", Map.of());
  }

  private static Map<String, Long> sslStats(MeshedPod pod) {
    return new TreeMap<>(
        pod.sidecar().admin().stats().entrySet().stream()
            .filter(e -> e.getKey().endsWith("ssl.handshake"))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }

  /** Sum of {@code ssl.handshake} counters under a stat prefix of the pod's sidecar. */
  private static long handshakes(MeshedPod pod, String prefix) {
    return pod.sidecar().admin().stats().entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix) && e.getKey().endsWith(".ssl.handshake"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }
}
