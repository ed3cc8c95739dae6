package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.certs.x509.Pem;
import io.outrigger.hostnet.ExecResult;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The crypto backend setting: the CA runs on the backend asked for, a CA key read from disk signs
 * through it, its generated keys are plain PKCS#8 that openssl reads, and RSA stays on the JDK.
 * Everything issued is checked with openssl, not with the backend that made it.
 */
class CryptoBackendTest {

  private static final WorkloadIdentity CALLER = new WorkloadIdentity("default", "reviews");
  private static final SpiffeId REVIEWS = CALLER.spiffeId(CaSettings.DEFAULT_TRUST_DOMAIN);
  @RegisterExtension static final Openssl openssl = new Openssl();

  @ParameterizedTest
  @EnumSource(
      value = CryptoBackend.class,
      names = {"BORINGSSL", "BOUNCY_CASTLE"})
  void anIntermediateReadFromDiskSignsThroughTheChosenBackend(
      CryptoBackend backend, @TempDir Path dir) {
    TestCas.opensslIntermediate(openssl, dir);
    MeshCa ca = MeshCa.loadOrInit(dir, Backends.settings(backend));

    assertThat(ca.cryptoBackend()).isEqualTo(backend);
    assertThat(ca.signatureImplementation())
        .isEqualTo(backend == CryptoBackend.BORINGSSL ? "BoringSSL" : "Bouncy Castle lightweight");
    openssl.run(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "csr-key.pem",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:" + REVIEWS.uri(),
        "-out",
        "w.csr");
    List<X509Certificate> chain = ca.signCsrPem(openssl.read("w.csr"), CALLER, Duration.ofHours(1));
    assertStrictlyVerified(ca, chain);
  }

  @ParameterizedTest
  @EnumSource(
      value = CryptoBackend.class,
      names = {"BORINGSSL", "BOUNCY_CASTLE"})
  void generatedKeysArePkcs8ThatOpensslReadsAndMatchTheirLeaf(
      CryptoBackend backend, @TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, Backends.settings(backend));
    IssuedCertificate issued = ca.issue(REVIEWS, Duration.ofHours(1));

    assertThat(issued.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    openssl.write("generated-key.pem", issued.privateKeyPem());
    openssl.write("generated-cert.pem", issued.certificateChainPem());
    String fromKey = openssl.run("pkey", "-in", "generated-key.pem", "-pubout");
    String fromCert = openssl.run("x509", "-in", "generated-cert.pem", "-noout", "-pubkey");
    assertThat(fromKey.strip()).isEqualTo(fromCert.strip());
    assertThat(openssl.run("pkey", "-in", "generated-key.pem", "-noout", "-text"))
        .contains("NIST CURVE: P-256");
    assertStrictlyVerified(ca, issued.chain());
  }

  @Test
  void anRsaCaSignsWithTheJdkWhileBoringSslChecksEcCsrs(@TempDir Path dir) {
    MeshCa ca =
        MeshCa.loadOrInit(
            dir, Backends.settings(CryptoBackend.BORINGSSL).withCaKeyType(KeyType.RSA_2048));
    assertThat(ca.signatureImplementation()).isEqualTo("JDK");
    openssl.run(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "rsa-ca-csr-key.pem",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:" + REVIEWS.uri(),
        "-out",
        "rsa-ca.csr");
    assertStrictlyVerified(
        ca, ca.signCsrPem(openssl.read("rsa-ca.csr"), CALLER, Duration.ofHours(1)));
  }

  @Test
  void autoRunsOnBoringSslWhereItLoads(@TempDir Path dir) {
    Backends.settings(
        CryptoBackend.BORINGSSL); // the prerequisite: skip or fail (CI) where it cannot load
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults().withCrypto(CryptoBackend.AUTO));
    assertThat(ca.cryptoBackend()).isEqualTo(CryptoBackend.BORINGSSL);
    assertThat(
            ca.metrics()
                .registry()
                .find(CaMetrics.CRYPTO_BACKEND)
                .tag("backend", "boringssl")
                .gauge())
        .isNotNull()
        .satisfies(gauge -> assertThat(gauge.value()).isEqualTo(1.0));
  }

  @Test
  void anUnknownBackendNameListsTheChoices() {
    assertThat(CryptoBackend.fromSettingName(" BoringSSL ", "test"))
        .isEqualTo(CryptoBackend.BORINGSSL);
    assertThatThrownBy(
            () ->
                CryptoBackend.fromSettingName(
                    "openssl", "system property " + CryptoBackend.PROPERTY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "system property outrigger.ca.crypto: CA crypto backend 'openssl' is not one of"
                + " auto, boringssl, bouncycastle");
  }

  private static void assertStrictlyVerified(MeshCa ca, List<X509Certificate> chain) {
    List<String> intermediates =
        chain.subList(1, chain.size()).stream().map(Pem::certificate).toList();
    ExecResult verify =
        openssl.verify(ca.trustBundle().pem(), intermediates, Pem.certificate(chain.get(0)));
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
    assertThat(verify.stdout()).contains(": OK");
  }
}
