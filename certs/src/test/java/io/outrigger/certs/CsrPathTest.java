package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.CsrRejectedException.Reason;
import io.outrigger.certs.x509.Pem;
import io.outrigger.hostnet.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CSR path with CSRs made by openssl: what is signed verifies, and every way of asking for more
 * than the caller's own identity is refused, counted by reason, and issues nothing. Run once per
 * crypto backend, since each decodes keys and checks signatures with its own code.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(
    value = CryptoBackend.class,
    names = {"BORINGSSL", "BOUNCY_CASTLE"})
class CsrPathTest {

  private static final WorkloadIdentity CALLER = new WorkloadIdentity("default", "reviews");
  private static final String CALLER_URI = "spiffe://cluster.local/ns/default/sa/reviews";
  @RegisterExtension static final Openssl openssl = new Openssl();

  @Parameter CryptoBackend backend;
  @TempDir Path caDir;
  private MeshCa ca;

  @BeforeAll
  static void keys() {
    openssl.run(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
    openssl.run(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2048.key");
    openssl.run(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa1024.key");
  }

  @BeforeEach
  void ca() {
    ca = MeshCa.loadOrInit(caDir, Backends.settings(backend), new SimpleMeterRegistry());
    assertThat(ca.cryptoBackend()).isEqualTo(backend);
  }

  /** A DER CSR from openssl with an empty subject and the given subjectAltName. */
  private static byte[] csr(String key, String subjectAltName) {
    openssl.run(
        "req",
        "-new",
        "-key",
        key,
        "-subj",
        "/",
        "-addext",
        "subjectAltName=" + subjectAltName,
        "-outform",
        "DER",
        "-out",
        "request.der");
    return openssl.readBytes("request.der");
  }

  @Test
  void signsAnEcCsrForTheCallersOwnIdentity() throws Exception {
    List<X509Certificate> chain =
        ca.signCsr(csr("ec.key", "URI:" + CALLER_URI), CALLER, Duration.ofHours(1));
    X509Certificate leaf = chain.get(0);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, CALLER_URI));
    Pkix.validate(chain, ca.trustBundle());
    // The certificate carries the key of the CSR: openssl's public key for ec.key.
    String csrKey = openssl.run("pkey", "-in", "ec.key", "-pubout");
    assertThat(Pem.block("PUBLIC KEY", leaf.getPublicKey().getEncoded()).strip())
        .isEqualTo(csrKey.strip());
    assertThat(ca.metrics().issuedCount("csr")).isEqualTo(1);
  }

  @Test
  void signsACompressedPointCsrWithTheKeyUncompressed() throws Exception {
    openssl.run("ec", "-in", "ec.key", "-conv_form", "compressed", "-out", "ec-compressed.key");
    byte[] der = csr("ec-compressed.key", "URI:" + CALLER_URI);
    String csrKey = openssl.run("pkey", "-in", "ec.key", "-pubout");
    assertThat(
            openssl.run("req", "-in", "request.der", "-inform", "DER", "-pubkey", "-noout").strip())
        .as("the request carries the compressed point")
        .isNotEqualTo(csrKey.strip());
    List<X509Certificate> chain = ca.signCsr(der, CALLER, Duration.ofHours(1));
    Pkix.validate(chain, ca.trustBundle());
    assertThat(Pem.block("PUBLIC KEY", chain.get(0).getPublicKey().getEncoded()).strip())
        .isEqualTo(csrKey.strip());
  }

  @Test
  void writesAP256KeyGivenByExplicitParametersByItsCurveName() {
    openssl.run("ec", "-in", "ec.key", "-param_enc", "explicit", "-out", "ec-explicit.key");
    List<X509Certificate> chain =
        ca.signCsr(csr("ec-explicit.key", "URI:" + CALLER_URI), CALLER, Duration.ofHours(1));
    ExecResult verify =
        openssl.verify(ca.trustBundle().pem(), List.of(), Pem.certificate(chain.get(0)));
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
    String namedKey = openssl.run("pkey", "-in", "ec.key", "-pubout");
    assertThat(Pem.block("PUBLIC KEY", chain.get(0).getPublicKey().getEncoded()).strip())
        .isEqualTo(namedKey.strip());
  }

  @Test
  void refusesAnotherNamedCurve() {
    openssl.run(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", "k1.key");
    assertRejected(csr("k1.key", "URI:" + CALLER_URI), Reason.WEAK_KEY, "neither P-256 nor P-384");
  }

  @Test
  void signsAnRsaCsrWithKeyEnciphermentAndOpensslVerifiesIt() {
    List<X509Certificate> chain =
        ca.signCsr(csr("rsa2048.key", "URI:" + CALLER_URI), CALLER, Duration.ofHours(1));
    assertThat(chain.get(0).getKeyUsage()[2]).as("keyEncipherment for RSA").isTrue();
    ExecResult verify =
        openssl.verify(ca.trustBundle().pem(), List.of(), Pem.certificate(chain.get(0)));
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
  }

  @Test
  void refusesTwoUriSans() {
    assertRejected(
        csr("ec.key", "URI:" + CALLER_URI + ",URI:spiffe://cluster.local/ns/default/sa/other"),
        Reason.URI_SAN_COUNT,
        "2 URI SANs");
  }

  @Test
  void refusesADnsSan() {
    assertRejected(
        csr("ec.key", "URI:" + CALLER_URI + ",DNS:reviews.default.svc"),
        Reason.NON_URI_SAN,
        "DNS:reviews.default.svc");
  }

  @Test
  void refusesAnIpSan() {
    assertRejected(
        csr("ec.key", "URI:" + CALLER_URI + ",IP:198.18.0.7"), Reason.NON_URI_SAN, "IP:");
  }

  @Test
  void refusesAnotherIdentity() {
    assertRejected(
        csr("ec.key", "URI:spiffe://cluster.local/ns/default/sa/ratings"),
        Reason.IDENTITY_MISMATCH,
        "asks for spiffe://cluster.local/ns/default/sa/ratings");
  }

  @Test
  void refusesTheSameIdentityInAnotherTrustDomain() {
    assertRejected(
        csr("ec.key", "URI:spiffe://evil.example/ns/default/sa/reviews"),
        Reason.IDENTITY_MISMATCH,
        "spiffe://evil.example/ns/default/sa/reviews");
  }

  @Test
  void refusesAnRsa1024Key() {
    assertRejected(
        csr("rsa1024.key", "URI:" + CALLER_URI), Reason.WEAK_KEY, "RSA key of 1024 bits");
  }

  @Test
  void refusesABadSignature() {
    byte[] der = csr("ec.key", "URI:" + CALLER_URI);
    // The signature BIT STRING ends the DER: change a byte inside it.
    der[der.length - 5] ^= 0x5a;
    assertRejected(der, Reason.BAD_SIGNATURE, "signature");
  }

  @Test
  void refusesAKeyWhosePointIsNotOnTheCurve() {
    byte[] point = ecPoint(csr("ec.key", "URI:" + CALLER_URI));
    point[point.length - 1] ^= 0x01; // y no longer matches x
    assertRejected(
        withPoint(csr("ec.key", "URI:" + CALLER_URI), point),
        Reason.UNSUPPORTED_KEY,
        "public key cannot be read");
  }

  @Test
  void refusesATruncatedPoint() {
    byte[] point = ecPoint(csr("ec.key", "URI:" + CALLER_URI));
    assertRejected(
        withPoint(csr("ec.key", "URI:" + CALLER_URI), Arrays.copyOf(point, point.length - 1)),
        Reason.UNSUPPORTED_KEY,
        "public key cannot be read");
  }

  @Test
  void refusesThePointAtInfinity() {
    assertRejected(
        withPoint(csr("ec.key", "URI:" + CALLER_URI), new byte[] {0x00}),
        Reason.UNSUPPORTED_KEY,
        "public key cannot be read");
  }

  @Test
  void refusesACsrWithoutSan() {
    openssl.run(
        "req",
        "-new",
        "-key",
        "ec.key",
        "-subj",
        "/CN=reviews",
        "-outform",
        "DER",
        "-out",
        "nosan.der");
    assertRejected(openssl.readBytes("nosan.der"), Reason.URI_SAN_COUNT, "0 URI SANs");
  }

  @Test
  void refusesGarbage() {
    assertRejected(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}, Reason.MALFORMED, "PKCS#10");
  }

  private static byte[] ecPoint(byte[] csrDer) {
    return CertificationRequest.getInstance(csrDer)
        .getCertificationRequestInfo()
        .getSubjectPublicKeyInfo()
        .getPublicKeyData()
        .getOctets();
  }

  /**
   * The CSR with its key's point replaced (P-256 named by OID still); the signature is left as it
   * was.
   */
  private static byte[] withPoint(byte[] csrDer, byte[] point) {
    CertificationRequest request = CertificationRequest.getInstance(csrDer);
    CertificationRequestInfo info = request.getCertificationRequestInfo();
    SubjectPublicKeyInfo key =
        new SubjectPublicKeyInfo(info.getSubjectPublicKeyInfo().getAlgorithm(), point);
    try {
      return new CertificationRequest(
              new CertificationRequestInfo(info.getSubject(), key, info.getAttributes()),
              request.getSignatureAlgorithm(),
              request.getSignature())
          .getEncoded();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void assertRejected(byte[] der, Reason reason, String messagePart) {
    CsrRejectedException e =
        catchThrowableOfType(
            CsrRejectedException.class, () -> ca.signCsr(der, CALLER, Duration.ofHours(1)));
    assertThat(e).as("CSR must be rejected").isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).contains("CSR from " + CALLER_URI).contains(messagePart);
    assertThat(ca.metrics().rejectedCount(reason.label())).isEqualTo(1);
    assertThat(ca.metrics().issuedCount("csr")).isZero();
  }
}
