package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.Status;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.RawAdsClient;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.controlplane.xds.XdsTypes;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import io.outrigger.testsupport.ServiceAccountTokens;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 4: the TLS xDS port of a control plane given {@code --kubeconfig} authenticates
 * sidecars with TokenReview against a real kube-apiserver, with real TokenRequest tokens bound to
 * real Pod objects, and binds a pod-bound token to its pod (name, UID, IP). "Gets config" is the
 * control plane's SDS answer (the SVID of the token's ns/sa) on a real TLS gRPC stream; "gets none"
 * is a refused stream that received nothing at all. The control plane runs as a service account
 * with only the documented RBAC.
 */
class PodTokenIdentityTest {
  static final String NS = "shop";
  static final List<String> MESH = List.of("outrigger");
  static final List<String> SECRETS = List.of("default", "ROOTCA");
  static final String HERE = "127.0.0.1";
  static final String ELSEWHERE = "198.18.0.7";

  @RegisterExtension
  @Order(1)
  static final KubeApiServerExtension kube = new KubeApiServerExtension();

  @RegisterExtension
  @Order(2)
  static final KubeControlPlane fixture = new KubeControlPlane(kube);

  static KubeTestCluster cluster;
  static ControlPlane controlPlane;
  static Pod reviews1;
  static Pod reviews2;
  static Pod ratings1;
  static Pod otherNamespace;
  static Pod far;

  @BeforeAll
  static void start() throws Exception {
    cluster = fixture.cluster();
    reviews1 = cluster.pod(NS, "reviews-1", "reviews", HERE);
    reviews2 = cluster.pod(NS, "reviews-2", "reviews", HERE);
    ratings1 = cluster.pod(NS, "ratings-1", "ratings", HERE);
    far = cluster.pod(NS, "reviews-far", "reviews", ELSEWHERE);
    otherNamespace = cluster.pod("other", "reviews-1", "reviews", HERE);
    fixture
        .registry()
        .write(
            "workloads.yaml",
            TestRegistry.workload(NS, "reviews-1", "reviews", "reviews", 9080)
                + TestRegistry.workload(NS, "reviews-2", "reviews", "reviews", 9080)
                + TestRegistry.workload(NS, "reviews-far", "reviews", "reviews", 9080)
                + TestRegistry.workload(NS, "reviews-gone", "reviews", "reviews", 9080)
                + TestRegistry.workload(NS, "ratings-1", "ratings", "ratings", 9080));
    controlPlane = fixture.start();
  }

  @Test
  void aTokenBoundToTheClaimedPodGetsItsServiceAccountsSvid() throws Exception {
    String token = cluster.token(NS, "reviews", MESH, reviews1);

    assertThat(svidOf(config(token, "reviews-1", "reviews", Map.of())))
        .containsExactly("spiffe://cluster.local/ns/shop/sa/reviews");
    // The node may state its UID (the injector's POD_UID): the right one is accepted.
    assertThat(
            svidOf(
                config(
                    token,
                    "reviews-1",
                    "reviews",
                    Map.of("POD_UID", reviews1.getMetadata().getUid()))))
        .containsExactly("spiffe://cluster.local/ns/shop/sa/reviews");
  }

  @Test
  void aTokenOfAnotherServiceAccountGetsNothing() throws Exception {
    Status status =
        refused(cluster.token(NS, "ratings", MESH, ratings1), "reviews-1", "reviews", Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("shop/ratings").contains("shop/reviews-1");
  }

  @Test
  void aTokenOfTheSameServiceAccountNameInAnotherNamespaceGetsNothing() throws Exception {
    Status status =
        refused(
            cluster.token("other", "reviews", MESH, otherNamespace),
            "reviews-1",
            "reviews",
            Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("other/reviews");
  }

  @Test
  void aTokenBoundToAnotherPodOfTheSameServiceAccountGetsNothing() throws Exception {
    Status status =
        refused(cluster.token(NS, "reviews", MESH, reviews2), "reviews-1", "reviews", Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .contains("claims pod shop/reviews-1")
        .contains("bound to pod shop/reviews-2");
  }

  @Test
  void aNodeClaimingAnotherPodUidGetsNothing() throws Exception {
    Status status =
        refused(
            cluster.token(NS, "reviews", MESH, reviews1),
            "reviews-1",
            "reviews",
            Map.of("POD_UID", reviews2.getMetadata().getUid()));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .contains(reviews2.getMetadata().getUid())
        .contains(reviews1.getMetadata().getUid());
  }

  @Test
  void aStreamFromAnAddressThatIsNotThePodsGetsNothing() throws Exception {
    Status status =
        refused(cluster.token(NS, "reviews", MESH, far), "reviews-far", "reviews", Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("comes from 127.0.0.1").contains(ELSEWHERE);
  }

  @Test
  void anExpiredTokenGetsNothing() throws Exception {
    Status status = refused(expiredToken("reviews"), "reviews-1", "reviews", Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("expired");
  }

  @Test
  void aTokenForAnotherAudienceGetsNothing() throws Exception {
    Status status =
        refused(
            cluster.token(NS, "reviews", List.of("vault"), reviews1),
            "reviews-1",
            "reviews",
            Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("audience");
  }

  @Test
  void aDeletedPodsTokenGetsNothingAtOnce() throws Exception {
    Pod gone = cluster.pod(NS, "reviews-gone", "reviews", HERE);
    String token = cluster.token(NS, "reviews", MESH, gone);
    assertThat(svidOf(config(token, "reviews-gone", "reviews", Map.of())))
        .as("while the pod exists")
        .containsExactly("spiffe://cluster.local/ns/shop/sa/reviews");

    cluster.deletePod(gone);

    // The API server still passes this very token for a few seconds (it caches reviews); the pod
    // check does not.
    Status status = refused(token, "reviews-gone", "reviews", Map.of());
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("shop/reviews-gone").contains("no longer exists");
  }

  /** Like a TokenRequest token of that service account, issued two hours ago for one hour. */
  private static String expiredToken(String serviceAccount) {
    String uid =
        cluster
            .admin()
            .serviceAccounts()
            .inNamespace(NS)
            .withName(serviceAccount)
            .get()
            .getMetadata()
            .getUid();
    return ServiceAccountTokens.sign(
        kube.server(),
        NS,
        serviceAccount,
        uid,
        MESH,
        Instant.now().minus(Duration.ofHours(2)),
        Duration.ofHours(1));
  }

  private static RawAdsClient client(String token) {
    return new RawAdsClient(
        controlPlane.xdsTlsPort(), controlPlane.rootCertPem(), controlPlane.serverName(), token);
  }

  private static DiscoveryResponse config(
      String token, String pod, String sa, Map<String, String> metadata) throws Exception {
    try (RawAdsClient c = client(token)) {
      c.request(NS, pod, sa, metadata, XdsTypes.SECRET, SECRETS);
      DiscoveryResponse response = c.next(Duration.ofSeconds(15));
      assertThat(response)
          .as("secrets for %s/%s (stream closed with %s)", NS, pod, c.closedWith(Duration.ZERO))
          .isNotNull();
      return response;
    }
  }

  private static Status refused(String token, String pod, String sa, Map<String, String> metadata) {
    try (RawAdsClient c = client(token)) {
      c.request(NS, pod, sa, metadata, XdsTypes.SECRET, SECRETS);
      Status status = c.closedWith(Duration.ofSeconds(15));
      assertThat(status).as("the stream for %s/%s must be refused", NS, pod).isNotNull();
      assertThat(c.received()).as("what a refused stream received").isEmpty();
      return status;
    }
  }

  private static List<String> svidOf(DiscoveryResponse response) throws Exception {
    for (var any : response.getResourcesList()) {
      Secret secret = any.unpack(Secret.class);
      if (secret.getName().equals("default")) {
        String chain = secret.getTlsCertificate().getCertificateChain().getInlineString();
        X509Certificate leaf =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(
                        new ByteArrayInputStream(chain.getBytes(StandardCharsets.UTF_8)));
        return leaf.getSubjectAlternativeNames().stream()
            .filter(san -> (Integer) san.get(0) == 6)
            .map(san -> (String) san.get(1))
            .toList();
      }
    }
    throw new AssertionError("no default secret in " + response.getResourcesCount() + " resources");
  }
}
