package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.xds.XdsTypes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS port binds each stream to its token's identity: real TLS, real gRPC, real JWTs signed by
 * the control plane's host-mode key. Secrets come from that identity only, whatever a node claims.
 */
class StreamIdentityTest {
  static final String NS = "demo";
  static final List<String> SECRETS = List.of("default", "ROOTCA");

  @TempDir static Path work;
  static ControlPlane controlPlane;

  @BeforeAll
  static void start() throws Exception {
    TestRegistry registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write(
        "workloads.yaml",
        TestRegistry.workload(NS, "pod-a", "a", "sa-a", 8080)
            + TestRegistry.workload(NS, "pod-b", "b", "sa-b", 8080));
    controlPlane =
        ControlPlane.start(
            ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca")),
            new LoopbackTestConfig());
  }

  @AfterAll
  static void stop() {
    controlPlane.close();
  }

  RawAdsClient client(String token) {
    return new RawAdsClient(
        controlPlane.xdsTlsPort(), controlPlane.rootCertPem(), controlPlane.serverName(), token);
  }

  String tokenFor(String sa) {
    return controlPlane.mintToken(new WorkloadIdentity(NS, sa), Duration.ofMinutes(10));
  }

  @Test
  void ownIdentityGetsItsOwnSvid() throws Exception {
    try (RawAdsClient a = client(tokenFor("sa-a"))) {
      a.request(NS, "pod-a", "sa-a", XdsTypes.SECRET, SECRETS);
      DiscoveryResponse response = a.next(Duration.ofSeconds(10));
      assertThat(response).as("secrets for demo/sa-a").isNotNull();
      Secret svid = secret(response, "default");
      assertThat(uriSans(svid)).containsExactly("spiffe://cluster.local/ns/demo/sa/sa-a");
    }
  }

  @Test
  void tokenForAClaimingWorkloadBIsRefusedAndGetsNothing() throws Exception {
    try (RawAdsClient a = client(tokenFor("sa-a"))) {
      a.request(NS, "pod-b", "sa-b", XdsTypes.SECRET, SECRETS);
      Status status = a.closedWith(Duration.ofSeconds(10));
      assertThat(status).isNotNull();
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription()).contains("demo/sa-a").contains("demo/pod-b");
      assertThat(a.received()).isEmpty();
    }
  }

  @Test
  void tokenForANeverYieldsBsSecretWhateverTheNamesAsked() throws Exception {
    try (RawAdsClient a = client(tokenFor("sa-a"))) {
      // The node claims its own workload but asks for every secret name it can think of.
      a.request(
          NS,
          "pod-a",
          "sa-a",
          XdsTypes.SECRET,
          List.of("default", "ROOTCA", "spiffe://cluster.local/ns/demo/sa/sa-b", "sa-b", "pod-b"));
      DiscoveryResponse response = a.next(Duration.ofSeconds(10));
      assertThat(response).isNotNull();
      assertThat(response.getResourcesList())
          .extracting(r -> Secret.parseFrom(r.getValue()).getName())
          .containsExactlyInAnyOrder("default", "ROOTCA");
      assertThat(uriSans(secret(response, "default")))
          .doesNotContain("spiffe://cluster.local/ns/demo/sa/sa-b");
    }
  }

  @Test
  void missingOrForeignTokensAreUnauthenticated() throws Exception {
    HostModeTokens foreign =
        HostModeTokens.loadOrInit(
            Files.createDirectory(work.resolve("other-ca")), "outrigger-host-mode");
    String forged =
        foreign.mint(new WorkloadIdentity(NS, "sa-a"), List.of("outrigger"), Duration.ofMinutes(5));
    for (String token : new String[] {null, "not-a-jwt", forged}) {
      try (RawAdsClient c = client(token)) {
        c.request(NS, "pod-a", "sa-a", XdsTypes.SECRET, SECRETS);
        Status status = c.closedWith(Duration.ofSeconds(10));
        assertThat(status)
            .as("token %s", token == null ? "none" : token.length() + " chars")
            .isNotNull();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(c.received()).isEmpty();
      }
    }
  }

  static Secret secret(DiscoveryResponse response, String name) throws Exception {
    for (var any : response.getResourcesList()) {
      Secret s = any.unpack(Secret.class);
      if (s.getName().equals(name)) {
        return s;
      }
    }
    throw new AssertionError(
        "no secret " + name + " in " + response.getResourcesCount() + " resources");
  }

  static List<String> uriSans(Secret svid) throws Exception {
    String chain = svid.getTlsCertificate().getCertificateChain().getInlineString();
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
