package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS xDS port binds each stream to the identity its token proves: a proxy gets its own
 * certificate and nobody else's, and without a valid token it gets nothing at all.
 */
class ProxyIdentityTest {
  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;

  /** Addresses only written into the registry; this test sends no traffic to them. */
  private static final String PRODUCTPAGE_IP = "198.18.255.2";

  private static final String REVIEWS_IP = "198.18.255.3";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static Path workDir;
  private static MeshControlPlane controlPlane;

  @BeforeAll
  static void startControlPlane() throws Exception {
    workDir = java.nio.file.Files.createTempDirectory("outrigger-identity-");
    RegistryDirectory registry =
        new RegistryDirectory(Directories.readableBy1337(workDir.resolve("registry")));
    registry.copySample("services.yaml");
    registry.writeWorkloadEntry(PRODUCTPAGE, PRODUCTPAGE_IP, true);
    registry.writeWorkloadEntry(REVIEWS, REVIEWS_IP, true);
    controlPlane = MeshControlPlane.start(registry.dir(), workDir.resolve("ca"), "127.0.0.1");
  }

  @AfterAll
  static void stopControlPlane() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    Directories.deleteRecursively(workDir);
  }

  @Test
  void aProxyGetsTheCertificateOfTheIdentityItsTokenProves() throws Exception {
    try (AdsProbe probe = probe(token(PRODUCTPAGE))) {
      probe.request(PRODUCTPAGE, PRODUCTPAGE_IP, AdsProbe.SECRET, List.of("default"));

      Optional<DiscoveryResponse> response = probe.awaitResponse(AdsProbe.SECRET, WAIT);
      assertThat(response)
          .as(
              "SDS response for productpage's own 'default' secret (stream end: %s)",
              probe.awaitEnd(Duration.ZERO))
          .isPresent();
      DiscoveryResponse secrets = response.get();
      assertThat(spiffeIds(secrets))
          .containsExactly(PRODUCTPAGE.spiffeId(controlPlane.trustDomain()));
    }
  }

  @Test
  void aTokenForOneIdentityCannotObtainTheSecretOfAnother() throws Exception {
    String reviewsId = REVIEWS.spiffeId(controlPlane.trustDomain());
    try (AdsProbe claimsReviews = probe(token(PRODUCTPAGE))) {
      claimsReviews.request(REVIEWS, REVIEWS_IP, AdsProbe.SECRET, List.of("default"));

      assertThat(claimsReviews.awaitEnd(WAIT))
          .as("stream of productpage's token claiming reviews")
          .hasValueSatisfying(
              s -> assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(claimsReviews.responses()).isEmpty();
    }
    try (AdsProbe asksByName = probe(token(PRODUCTPAGE))) {
      asksByName.request(
          PRODUCTPAGE, PRODUCTPAGE_IP, AdsProbe.SECRET, List.of("default", "ROOTCA", reviewsId));

      asksByName.awaitResponse(AdsProbe.SECRET, WAIT);
      List<String> served = new ArrayList<>();
      for (DiscoveryResponse r : asksByName.responses()) {
        served.addAll(spiffeIds(r));
      }
      assertThat(served).as("SVIDs served to productpage's token").doesNotContain(reviewsId);
    }
  }

  @Test
  void aProxyWithoutATokenGetsNoConfiguration() throws Exception {
    assertRefusedBeforeAnyConfig(null, Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aProxyWithAForgedTokenGetsNoConfiguration() throws Exception {
    String genuine = token(PRODUCTPAGE);
    // Same header and claims, signature bytes altered: only the control plane's key could have made
    // it.
    int signature = genuine.lastIndexOf('.') + 1;
    char flipped = genuine.charAt(signature) == 'A' ? 'B' : 'A';
    String forged = genuine.substring(0, signature) + flipped + genuine.substring(signature + 1);
    assertRefusedBeforeAnyConfig(forged, Status.Code.UNAUTHENTICATED);
    assertRefusedBeforeAnyConfig("not-a-jwt", Status.Code.UNAUTHENTICATED);
  }

  private static void assertRefusedBeforeAnyConfig(String token, Status.Code expected)
      throws Exception {
    try (AdsProbe probe = probe(token)) {
      probe.request(PRODUCTPAGE, PRODUCTPAGE_IP, AdsProbe.CLUSTER, List.of());

      Optional<Status> end = probe.awaitEnd(WAIT);
      assertThat(end)
          .as("stream with token %s", token == null ? "(none)" : "(invalid)")
          .hasValueSatisfying(s -> assertThat(s.getCode()).isEqualTo(expected));
      assertThat(probe.responses()).as("config sent without a valid token").isEmpty();
    }
  }

  private static String token(MeshWorkload w) {
    return controlPlane.mintToken(w.identity(), Duration.ofMinutes(10));
  }

  private static AdsProbe probe(String token) throws Exception {
    return new AdsProbe(
        "127.0.0.1",
        controlPlane.xdsTlsPort(),
        controlPlane.serverName(),
        controlPlane.rootCertPem(),
        token);
  }

  /** The URI SANs of the leaf certificates in the response's secrets. */
  static List<String> spiffeIds(DiscoveryResponse response)
      throws InvalidProtocolBufferException, CertificateException {
    List<String> ids = new ArrayList<>();
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    for (var any : response.getResourcesList()) {
      Secret secret = any.unpack(Secret.class);
      if (!secret.hasTlsCertificate()) {
        continue;
      }
      var chain = secret.getTlsCertificate().getCertificateChain();
      byte[] pem =
          chain.hasInlineString()
              ? chain.getInlineString().getBytes(StandardCharsets.US_ASCII)
              : chain.getInlineBytes().toByteArray();
      X509Certificate leaf =
          (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(pem));
      if (leaf.getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            ids.add((String) san.get(1));
          }
        }
      }
    }
    return ids;
  }
}
