package io.outrigger.certs.bench;

import io.outrigger.certs.CaSettings;
import io.outrigger.certs.CryptoBackend;
import io.outrigger.certs.IssuedCertificate;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.x509.Providers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.conscrypt.Conscrypt;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * SVID issuance on EC P-256, one thread, against the baseline of raw JCA SHA256withECDSA P-256
 * signatures (default provider, SunEC) over a payload the size of a leaf's TBSCertificate.
 * Issuance includes everything the CA does per certificate: for the CSR path parsing and checking
 * the CSR (its signature verify included), for the generate path making the key pair; then
 * building and signing the certificate. {@code csrPath} and {@code generatePath} run on the
 * default backend ({@link CaSettings#defaults()}: BoringSSL where it loads); {@code
 * csrPathBouncyCastle} on the pure-Java fallback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IssuanceBenchmark {

  private static final WorkloadIdentity CALLER = new WorkloadIdentity("default", "reviews");
  private static final Duration TTL = Duration.ofHours(24);

  private Path caDir;
  private MeshCa ca;
  private MeshCa bouncyCastleCa;
  private Path bouncyCastleCaDir;
  private SpiffeId id;
  private byte[] csrDer;
  private Signature rawSigner;
  private Signature rawBoringSslSigner;
  private Signature rawVerifier;
  private Providers.SignerFactory caStyleSigners;
  private byte[] payload;
  private byte[] payloadSignature;
  private Provider conscrypt;
  private byte[] caLikeSpki;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    caDir = Files.createTempDirectory("outrigger-certs-bench");
    ca = MeshCa.loadOrInit(caDir, CaSettings.defaults());
    bouncyCastleCaDir = Files.createTempDirectory("outrigger-certs-bench-bc");
    bouncyCastleCa = MeshCa.loadOrInit(bouncyCastleCaDir, CaSettings.defaults().withCrypto(CryptoBackend.BOUNCY_CASTLE));
    System.out.println("default CA crypto backend: " + ca.cryptoBackend() + ", signature: " + ca.signatureImplementation());
    id = CALLER.spiffeId(ca.trustDomain());

    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair workload = generator.generateKeyPair();
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.subjectAlternativeName, true,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
    csrDer = new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), workload.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(workload.getPrivate()))
        .getEncoded();

    // The baseline signs as many bytes as the CA signs per leaf.
    IssuedCertificate sample = ca.issue(id, TTL);
    payload = sample.leaf().getTBSCertificate();
    KeyPair caLike = generator.generateKeyPair();
    rawSigner = Signature.getInstance("SHA256withECDSA");
    rawSigner.initSign(caLike.getPrivate());
    rawSigner.update(payload);
    payloadSignature = rawSigner.sign();
    rawVerifier = Signature.getInstance("SHA256withECDSA");
    rawVerifier.initVerify(caLike.getPublic());
    caStyleSigners = Providers.choose(CryptoBackend.BOUNCY_CASTLE).signers(caLike.getPrivate(), "SHA256withECDSA");
    // A private provider instance, as the CA's own; the key is converted to BoringSSL's once.
    conscrypt = Conscrypt.newProvider();
    caLikeSpki = caLike.getPublic().getEncoded();
    PrivateKey boringKey = KeyFactory.getInstance("EC", conscrypt)
        .generatePrivate(new PKCS8EncodedKeySpec(caLike.getPrivate().getEncoded()));
    rawBoringSslSigner = Signature.getInstance("SHA256withECDSA", conscrypt);
    rawBoringSslSigner.initSign(boringKey);
  }

  /**
   * CPU time the benchmark thread spent, next to the operations it did: the machine is shared, so
   * ops per CPU-second (ops / (cpuNanos / 1e9)) is the load-independent rate to compare; the
   * primary ops/s is wall-clock and moves with whatever else runs.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    public long cpuNanos;
    public long ops;
    private long start;

    void begin() {
      start = THREADS.getCurrentThreadCpuTime();
    }

    void end() {
      cpuNanos += THREADS.getCurrentThreadCpuTime() - start;
      ops++;
    }

    @Setup(Level.Iteration)
    public void reset() {
      cpuNanos = 0;
      ops = 0;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (Path dir : List.of(caDir, bouncyCastleCaDir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Baseline: one raw JCA SHA256withECDSA P-256 signature, default provider (SunEC). */
  @Benchmark
  public byte[] rawEcdsaP256Sign(Cpu cpu) throws Exception {
    cpu.begin();
    rawSigner.update(payload);
    byte[] result = rawSigner.sign();
    cpu.end();
    return result;
  }

  /** For context: the same signature through BoringSSL (Conscrypt), the CA's default backend. */
  @Benchmark
  public byte[] rawEcdsaP256SignBoringSsl(Cpu cpu) throws Exception {
    cpu.begin();
    rawBoringSslSigner.update(payload);
    byte[] result = rawBoringSslSigner.sign();
    cpu.end();
    return result;
  }

  /** For context: the same signature the way the fallback backend makes it (Bouncy Castle lightweight). */
  @Benchmark
  public byte[] rawEcdsaP256SignBouncyCastle(Cpu cpu) throws Exception {
    cpu.begin();
    ContentSigner signer = caStyleSigners.newSigner();
    signer.getOutputStream().write(payload);
    byte[] result = signer.getSignature();
    cpu.end();
    return result;
  }

  /** For context: one raw verification, which the CSR path adds (the CSR's self-signature). */
  @Benchmark
  public boolean rawEcdsaP256Verify(Cpu cpu) throws Exception {
    cpu.begin();
    rawVerifier.update(payload);
    boolean result = rawVerifier.verify(payloadSignature);
    cpu.end();
    return result;
  }

  /**
   * For context: what the CSR path's check costs on BoringSSL, a public key decoded from its DER
   * SubjectPublicKeyInfo (point checked on the curve) and one verification with it.
   */
  @Benchmark
  public boolean rawEcdsaP256VerifyBoringSsl(Cpu cpu) throws Exception {
    cpu.begin();
    PublicKey key = KeyFactory.getInstance("EC", conscrypt).generatePublic(new X509EncodedKeySpec(caLikeSpki));
    Signature verifier = Signature.getInstance("SHA256withECDSA", conscrypt);
    verifier.initVerify(key);
    verifier.update(payload);
    boolean result = verifier.verify(payloadSignature);
    cpu.end();
    return result;
  }

  /** CSR path: check the CSR for the caller and sign its key (default backend). */
  @Benchmark
  public List<X509Certificate> csrPath(Cpu cpu) {
    cpu.begin();
    List<X509Certificate> result = ca.signCsr(csrDer, CALLER, TTL);
    cpu.end();
    return result;
  }

  /** CSR path on the fallback backend (Bouncy Castle lightweight, pure Java). */
  @Benchmark
  public List<X509Certificate> csrPathBouncyCastle(Cpu cpu) {
    cpu.begin();
    List<X509Certificate> result = bouncyCastleCa.signCsr(csrDer, CALLER, TTL);
    cpu.end();
    return result;
  }

  /** Generate path (SDS): make a P-256 key pair and sign it. */
  @Benchmark
  public IssuedCertificate generatePath(Cpu cpu) {
    cpu.begin();
    IssuedCertificate result = ca.issue(id, TTL);
    cpu.end();
    return result;
  }
}
