package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.certs.x509.Pem;
import io.outrigger.hostnet.ExecResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every SVID rule, read back with parsers we did not write: the JDK's X509Certificate and PKIX
 * validator, and openssl ({@code x509 -text}, {@code verify -x509_strict}). Covered for a
 * self-signed EC root, a self-signed RSA root, and a plug-in intermediate made by openssl.
 */
class SvidConformanceTest {

  private static final SpiffeId REVIEWS =
      SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
  @RegisterExtension static final Openssl openssl = new Openssl();

  @TempDir static Path tmp;

  /**
   * EC CAs under each crypto backend (each signs and generates keys with its own code); RSA on the
   * JDK.
   */
  static Stream<Arguments> cas() {
    Stream<Arguments> ec =
        Stream.of(CryptoBackend.BORINGSSL, CryptoBackend.BOUNCY_CASTLE)
            .flatMap(
                backend ->
                    Stream.of(
                        Arguments.of(
                            "self-signed ec-p256 " + backend.settingName(),
                            (CaFactory) dir -> MeshCa.loadOrInit(dir, Backends.settings(backend))),
                        Arguments.of(
                            "plug-in intermediate " + backend.settingName(),
                            (CaFactory)
                                dir -> {
                                  TestCas.opensslIntermediate(openssl, dir);
                                  return MeshCa.loadOrInit(dir, Backends.settings(backend));
                                })));
    return Stream.concat(
        ec,
        Stream.of(
            Arguments.of(
                "self-signed rsa-2048",
                (CaFactory)
                    dir ->
                        MeshCa.loadOrInit(
                            dir, CaSettings.defaults().withCaKeyType(KeyType.RSA_2048)))));
  }

  interface CaFactory {
    MeshCa create(Path dir);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cas")
  void issuedChainVerifiesWithPkixAndOpensslStrict(String kind, CaFactory factory)
      throws Exception {
    MeshCa ca = factory.create(tmp.resolve(kind.replace(' ', '-') + "-verify"));
    IssuedCertificate issued = ca.issue(REVIEWS, Duration.ofHours(1));

    List<X509Certificate> chain = Pkix.parse(issued.certificateChainPem());
    Pkix.validate(chain, ca.trustBundle());

    List<String> intermediates =
        chain.subList(1, chain.size()).stream().map(Pem::certificate).toList();
    ExecResult verify =
        openssl.verify(ca.trustBundle().pem(), intermediates, Pem.certificate(chain.get(0)));
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
    assertThat(verify.stdout()).contains(": OK");
    assertThat(chain).hasSize(kind.startsWith("plug-in") ? 2 : 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cas")
  void leafFollowsEverySvidRule(String kind, CaFactory factory) throws Exception {
    MeshCa ca = factory.create(tmp.resolve(kind.replace(' ', '-') + "-rules"));
    Instant before = Instant.now();
    IssuedCertificate issued = ca.issue(REVIEWS, Duration.ofHours(2));
    X509Certificate leaf = Pkix.parse(issued.certificateChainPem()).get(0);

    // Exactly one SAN, a URI, the SPIFFE ID; critical because the subject is empty.
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    assertThat(sans).containsExactly(List.of(6, REVIEWS.uri()));
    assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
    assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17", "2.5.29.19", "2.5.29.15");
    // Not a CA; digitalSignature only for an EC key; serverAuth and clientAuth.
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    boolean[] usage = leaf.getKeyUsage();
    assertThat(usage[0]).as("digitalSignature").isTrue();
    assertThat(usage[2]).as("keyEncipherment for an EC key").isFalse();
    assertThat(usage[5]).as("keyCertSign").isFalse();
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    // SKI present; AKI names the issuer's SKI.
    assertThat(leaf.getExtensionValue("2.5.29.14")).isNotNull();
    byte[] issuerSki = Arrays.copyOfRange(ca.caCertificate().getExtensionValue("2.5.29.14"), 4, 24);
    assertThat(Arrays.copyOfRange(leaf.getExtensionValue("2.5.29.35"), 6, 26)).isEqualTo(issuerSki);
    // Backdated for skew, TTL as asked.
    assertThat(leaf.getNotBefore().toInstant()).isBefore(before.minusSeconds(30));
    assertThat(Duration.between(before, leaf.getNotAfter().toInstant()))
        .isBetween(Duration.ofHours(2).minusSeconds(5), Duration.ofHours(2).plusSeconds(5));
    assertThat(leaf.getVersion()).isEqualTo(3);

    String text = openssl.text(Pem.certificate(leaf));
    assertThat(text)
        .contains("X509v3 Subject Alternative Name: critical", "URI:" + REVIEWS.uri())
        .contains(
            "CA:FALSE",
            "Digital Signature",
            "TLS Web Server Authentication, TLS Web Client Authentication")
        .contains("X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier")
        .doesNotContain("DNS:", "IP Address:", "Key Encipherment");
  }

  @Test
  void ttlDefaultsTo24HoursAndIsCappedAt90Days(@TempDir Path dir) throws Exception {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    Instant now = Instant.now();
    X509Certificate byDefault = ca.issue(REVIEWS, null).leaf();
    X509Certificate capped = ca.issue(REVIEWS, Duration.ofDays(400)).leaf();
    assertThat(Duration.between(now, byDefault.getNotAfter().toInstant()))
        .isBetween(Duration.ofHours(24).minusSeconds(5), Duration.ofHours(24).plusSeconds(5));
    assertThat(Duration.between(now, capped.getNotAfter().toInstant()))
        .isBetween(Duration.ofDays(90).minusSeconds(5), Duration.ofDays(90).plusSeconds(5));
  }

  @Test
  void servingCertificateAddsDnsNamesAndIpAddressesToTheSpiffeId(@TempDir Path dir)
      throws Exception {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/outrigger-system/sa/outrigger");
    X509Certificate leaf =
        ca.issueServing(
                id,
                List.of("outrigger.outrigger-system.svc", "127.0.0.1", "::1"),
                Duration.ofHours(1))
            .leaf();
    // An IP literal is an IP SAN (type 7), which is what a client reaching the server by address
    // checks.
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(
            List.of(6, id.uri()),
            List.of(2, "outrigger.outrigger-system.svc"),
            List.of(7, "127.0.0.1"),
            List.of(7, "0:0:0:0:0:0:0:1"));
  }

  @Test
  void refusesAnotherTrustDomain(@TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    assertThatThrownBy(
            () -> ca.issue(SpiffeId.parse("spiffe://other.example/ns/a/sa/b"), Duration.ofHours(1)))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("spiffe://other.example/ns/a/sa/b")
        .hasMessageContaining("cluster.local");
  }

  @Test
  void refusesAnIdThatIsNoWorkloadIdentity(@TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    assertThatThrownBy(
            () -> ca.issue(SpiffeId.parse("spiffe://cluster.local/ns/x"), Duration.ofHours(1)))
        .isInstanceOf(CaException.class)
        .hasMessage(
            "no SVID issued: SPIFFE ID 'spiffe://cluster.local/ns/x': not a workload identity, the path"
                + " must be /ns/<namespace>/sa/<service-account>, not /ns/x");
    assertThatThrownBy(
            () ->
                ca.issueServing(
                    SpiffeId.parse("spiffe://cluster.local/ns/a/sa/B"),
                    List.of("x"),
                    Duration.ofHours(1)))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("service account");
  }

  @Test
  void selfSignedRootIsACaWithKeysWritten0600AndReusedOnRestart(@TempDir Path dir)
      throws Exception {
    MeshCa first = MeshCa.loadOrInit(dir, CaSettings.defaults());
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    for (String name : List.of("ca-cert.pem", "cert-chain.pem", "root-cert.pem")) {
      assertThat(dir.resolve(name)).exists();
    }
    String rootText = openssl.text(Files.readString(dir.resolve("root-cert.pem")));
    assertThat(rootText).contains("CA:TRUE", "Certificate Sign", "O = cluster.local");

    MeshCa again = MeshCa.loadOrInit(dir, CaSettings.defaults());
    assertThat(again.caCertificate()).isEqualTo(first.caCertificate());
    IssuedCertificate fromRestart = again.issue(REVIEWS, Duration.ofHours(1));
    Pkix.validate(fromRestart.chain(), first.trustBundle());
  }

  @Test
  void refusesAKeyThatOthersCanRead(@TempDir Path dir) throws Exception {
    MeshCa.loadOrInit(dir, CaSettings.defaults());
    Files.setPosixFilePermissions(
        dir.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> MeshCa.loadOrInit(dir, CaSettings.defaults()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining(dir.resolve("ca-key.pem").toString())
        .hasMessageContaining("rw-r--r--")
        .hasMessageContaining("chmod 600");
  }

  @Test
  void refusesAKeyThatIsNotTheCertificates(@TempDir Path dir, @TempDir Path other)
      throws Exception {
    MeshCa.loadOrInit(dir, CaSettings.defaults());
    MeshCa.loadOrInit(other, CaSettings.defaults());
    Files.copy(
        other.resolve("ca-key.pem"),
        dir.resolve("ca-key.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> MeshCa.loadOrInit(dir, CaSettings.defaults()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("ca-key.pem is not the key of ca-cert.pem");
  }

  @Test
  void refusesAnIncompleteDirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("ca-cert.pem"), "");
    assertThatThrownBy(() -> MeshCa.loadOrInit(dir, CaSettings.defaults()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("missing")
        .hasMessageContaining("ca-key.pem");
  }

  @Test
  void refusesAnIntermediateThatDoesNotChainToTheRoots(@TempDir Path dir) throws Exception {
    TestCas.opensslIntermediate(openssl, dir);
    MeshCa unrelated = MeshCa.loadOrInit(tmp.resolve("unrelated-root"), CaSettings.defaults());
    Files.writeString(dir.resolve("root-cert.pem"), unrelated.trustBundle().pem());
    assertThatThrownBy(() -> MeshCa.loadOrInit(dir, CaSettings.defaults()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("does not chain to a root in root-cert.pem");
  }
}
