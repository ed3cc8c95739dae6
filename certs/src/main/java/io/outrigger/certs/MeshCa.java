package io.outrigger.certs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.x509.CaFiles;
import io.outrigger.certs.x509.CertificateSigner;
import io.outrigger.certs.x509.CsrPolicy;
import io.outrigger.certs.x509.Keys;
import io.outrigger.certs.x509.Pem;
import io.outrigger.certs.x509.Providers;
import io.outrigger.certs.x509.SubjectKey;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh CA: a self-signed root or a plug-in intermediate kept in an Istio {@code cacerts}
 * directory, issuing SPIFFE X.509-SVIDs. Immutable and thread-safe; a root rotation returns a new
 * instance (the holder swaps its reference).
 */
public final class MeshCa {

  private static final Logger log = LoggerFactory.getLogger(MeshCa.class);
  static final String PATH_CSR = "csr";
  static final String PATH_GENERATE = "generate";

  private final CaFiles files;
  private final CaSettings settings;
  private final CaMaterial material;
  private final Providers providers;
  private final CertificateSigner signer;
  private final CsrPolicy csrPolicy;
  private final CaMetrics metrics;
  private final Clock clock;
  private final SecureRandom random;

  private MeshCa(
      CaFiles files,
      CaSettings settings,
      Providers providers,
      CaMaterial material,
      CaMetrics metrics,
      Clock clock,
      SecureRandom random) {
    this.files = files;
    this.settings = settings;
    this.providers = providers;
    this.material = material;
    this.metrics = metrics;
    this.clock = clock;
    this.random = random;
    this.signer =
        new CertificateSigner(material.signingKey(), material.signingCert(), providers, random);
    this.csrPolicy = new CsrPolicy(providers);
  }

  /**
   * Loads the CA in {@code caDir}, or creates a self-signed root there when the directory holds
   * none.
   */
  public static MeshCa loadOrInit(Path caDir, CaSettings settings) {
    return loadOrInit(caDir, settings, new SimpleMeterRegistry(), Clock.systemUTC());
  }

  public static MeshCa loadOrInit(Path caDir, CaSettings settings, MeterRegistry registry) {
    return loadOrInit(caDir, settings, registry, Clock.systemUTC());
  }

  public static MeshCa loadOrInit(
      Path caDir, CaSettings settings, MeterRegistry registry, Clock clock) {
    CaFiles files = new CaFiles(caDir);
    SecureRandom random = new SecureRandom();
    CaMetrics metrics = new CaMetrics(registry);
    Providers providers = Providers.choose(settings.crypto());
    CaMaterial material;
    if (!files.anyExists()) {
      material = newRoot(settings, providers, clock, random, List.of());
      material.write(files);
      log.info(
          "event=ca_created dir={} trust_domain={} key_type={} root_serial={}",
          caDir,
          settings.trustDomain(),
          settings.caKeyType().cliName(),
          material.signingCert().getSerialNumber().toString(16));
    } else {
      material = CaMaterial.load(files, Date.from(clock.instant()));
      log.info(
          "event=ca_loaded dir={} mode={} trust_domain={} roots={} ca_not_after={}",
          caDir,
          material.selfSigned() ? "self-signed" : "plug-in",
          settings.trustDomain(),
          material.bundle().roots().size(),
          material.signingCert().getNotAfter().toInstant());
    }
    MeshCa ca = new MeshCa(files, settings, providers, material, metrics, clock, random);
    metrics.cryptoBackend(providers.backend().settingName());
    if (providers.fallbackReason() != null) {
      log.warn(
          "event=ca_crypto backend={} requested={} ca_signature=\"{}\" reason=\"{}\"",
          providers.backend().settingName(),
          settings.crypto().settingName(),
          ca.signer.implementation(),
          providers.fallbackReason());
    } else {
      log.info(
          "event=ca_crypto backend={} requested={} ca_signature=\"{}\"",
          providers.backend().settingName(),
          settings.crypto().settingName(),
          ca.signer.implementation());
    }
    return ca;
  }

  public String trustDomain() {
    return settings.trustDomain();
  }

  public CaSettings settings() {
    return settings;
  }

  public Path directory() {
    return files.dir();
  }

  public CaMetrics metrics() {
    return metrics;
  }

  /** Who does this CA's ECDSA arithmetic: BORINGSSL or BOUNCY_CASTLE (never AUTO). */
  public CryptoBackend cryptoBackend() {
    return providers.backend();
  }

  /**
   * Which implementation makes this CA's certificate signatures: "BoringSSL" or "Bouncy Castle
   * lightweight" for an EC CA key, "JDK" for an RSA one.
   */
  public String signatureImplementation() {
    return signer.implementation();
  }

  /** Every root in force (several during a root rotation). */
  public TrustBundle trustBundle() {
    return material.bundle();
  }

  /** The certificate this CA signs with. */
  public X509Certificate caCertificate() {
    return material.signingCert();
  }

  /**
   * The CA certificate and its issuers up to but excluding the root: what follows a leaf in an SVID
   * chain. Empty when this CA is the root itself.
   */
  public List<X509Certificate> certChain() {
    return material.chain();
  }

  /** Generates a key and its SVID together (the control plane's SDS path). */
  public IssuedCertificate issue(SpiffeId id, Duration ttl) {
    return issueServing(id, List.of(), ttl);
  }

  /**
   * Like {@link #issue} with DNS SANs added, for a server that clients reach by host name (the
   * control plane's TLS port and webhook); a name that is an IP literal becomes an IP SAN (a
   * webhook the API server calls by address). Workload SVIDs carry no DNS SAN.
   */
  public IssuedCertificate issueServing(SpiffeId id, List<String> dnsNames, Duration ttl) {
    requireWorkloadInOwnTrustDomain(id);
    Timer.Sample sample = Timer.start();
    KeyPair keys = Keys.generate(settings.workloadKeyType(), random, providers.ecKeyGeneration());
    List<X509Certificate> chain = sign(SubjectKey.of(keys.getPublic()), id, dnsNames, ttl);
    sample.stop(metrics.issuanceTimer(PATH_GENERATE));
    metrics.issued(PATH_GENERATE);
    logIssued(PATH_GENERATE, id, chain);
    return new IssuedCertificate(keys.getPrivate(), chain);
  }

  /**
   * Signs a PKCS#10 CSR (DER) for an authenticated caller, after checking that it asks for exactly
   * the caller's SPIFFE ID, nothing else, with a strong key and a valid signature.
   *
   * @return the leaf first, then {@link #certChain()} (the root is not included)
   * @throws CsrRejectedException naming the caller and the reason; counted by reason
   */
  public List<X509Certificate> signCsr(byte[] pkcs10Der, WorkloadIdentity caller, Duration ttl) {
    SpiffeId id = caller.spiffeId(trustDomain());
    return signCheckedCsr(id, () -> csrPolicy.check(pkcs10Der, id), ttl);
  }

  /** {@link #signCsr} for a PEM {@code CERTIFICATE REQUEST} (what Istio's CA API carries). */
  public List<X509Certificate> signCsrPem(String pkcs10Pem, WorkloadIdentity caller, Duration ttl) {
    SpiffeId id = caller.spiffeId(trustDomain());
    return signCheckedCsr(
        id, () -> csrPolicy.check(Pem.readCsrDer(pkcs10Pem, "CSR from " + id.uri()), id), ttl);
  }

  private List<X509Certificate> signCheckedCsr(
      SpiffeId id, Supplier<SubjectKey> check, Duration ttl) {
    Timer.Sample sample = Timer.start();
    SubjectKey key;
    try {
      key = check.get();
    } catch (CsrRejectedException e) {
      metrics.rejected(e.reason().label());
      log.info("event=csr_rejected spiffe_id={} reason={}", id, e.reason().label());
      throw e;
    }
    List<X509Certificate> chain = sign(key, id, List.of(), ttl);
    sample.stop(metrics.issuanceTimer(PATH_CSR));
    metrics.issued(PATH_CSR);
    logIssued(PATH_CSR, id, chain);
    return chain;
  }

  // Guarded: reading notAfter parses the leaf, which callers that only encode it never need.
  private static void logIssued(String path, SpiffeId id, List<X509Certificate> chain) {
    if (log.isDebugEnabled()) {
      log.debug(
          "event=svid_issued path={} spiffe_id={} not_after={}",
          path,
          id,
          chain.get(0).getNotAfter().toInstant());
    }
  }

  /** The root that issued this CA's chain (the CA certificate itself for a self-signed CA). */
  public X509Certificate signingRoot() {
    return material.root();
  }

  /**
   * Starts a root rotation: a new self-signed root becomes the signer, and the bundle holds the new
   * root and every old one, so SVIDs from both verify during the overlap.
   */
  public MeshCa rotateRoot() {
    if (!material.selfSigned()) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": is a plug-in intermediate; rotate it by"
              + " replacing its cacerts files (with both roots in root-cert.pem), not with rotateRoot");
    }
    CaMaterial rotated = newRoot(settings, providers, clock, random, material.bundle().roots());
    rotated.write(files);
    log.info(
        "event=root_rotated dir={} new_root_serial={} roots={}",
        files.dir(),
        rotated.signingCert().getSerialNumber().toString(16),
        rotated.bundle().roots().size());
    return new MeshCa(files, settings, providers, rotated, metrics, clock, random);
  }

  /**
   * Ends an overlap: removes an old root from the bundle. The root that signs now cannot be
   * dropped.
   */
  public MeshCa withoutRoot(X509Certificate oldRoot) {
    if (oldRoot.equals(material.root())) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": root "
              + oldRoot.getSubjectX500Principal()
              + " still issues this CA's certificates and cannot be dropped");
    }
    if (!material.bundle().contains(oldRoot)) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": root "
              + oldRoot.getSubjectX500Principal()
              + " is not in the trust bundle");
    }
    List<X509Certificate> roots = new ArrayList<>(material.bundle().roots());
    roots.remove(oldRoot);
    CaMaterial trimmed =
        new CaMaterial(
            material.signingKey(),
            material.signingCert(),
            material.chain(),
            new TrustBundle(roots));
    trimmed.write(files);
    log.info(
        "event=root_dropped dir={} root_serial={} roots={}",
        files.dir(),
        oldRoot.getSerialNumber().toString(16),
        roots.size());
    return new MeshCa(files, settings, providers, trimmed, metrics, clock, random);
  }

  private List<X509Certificate> sign(
      SubjectKey key, SpiffeId id, List<String> dnsNames, Duration ttl) {
    Instant now = clock.instant();
    Instant notAfter = now.plus(effectiveTtl(ttl, id));
    Instant caNotAfter = material.signingCert().getNotAfter().toInstant();
    if (notAfter.isAfter(caNotAfter)) {
      notAfter = caNotAfter; // a leaf outliving its CA would fail validation early anyway
    }
    X509Certificate leaf =
        signer.signLeaf(key, id, dnsNames, now.minus(settings.backdate()), notAfter);
    List<X509Certificate> chain = new ArrayList<>(1 + material.chain().size());
    chain.add(leaf);
    chain.addAll(material.chain());
    return chain;
  }

  private Duration effectiveTtl(Duration requested, SpiffeId id) {
    if (requested == null || requested.isZero()) {
      return settings.defaultTtl();
    }
    if (requested.isNegative()) {
      throw new CaException("SVID " + id + ": requested TTL " + requested + " is negative");
    }
    return requested.compareTo(settings.maxTtl()) > 0 ? settings.maxTtl() : requested;
  }

  private void requireWorkloadInOwnTrustDomain(SpiffeId id) {
    try {
      id.requireWorkloadIdentity(); // the mesh names every holder of an SVID ns/sa, the control
      // plane too
    } catch (IllegalArgumentException e) {
      throw new CaException("no SVID issued: " + e.getMessage(), e);
    }
    if (!id.trustDomain().equals(trustDomain())) {
      throw new CaException(
          "SVID "
              + id
              + ": trust domain "
              + id.trustDomain()
              + " is not this CA's ("
              + trustDomain()
              + ")");
    }
  }

  private static CaMaterial newRoot(
      CaSettings settings,
      Providers providers,
      Clock clock,
      SecureRandom random,
      List<X509Certificate> previousRoots) {
    KeyPair keys = Keys.generate(settings.caKeyType(), random, providers.ecKeyGeneration());
    Instant now = clock.instant();
    X509Certificate root =
        CertificateSigner.selfSignedRoot(
            keys.getPrivate(),
            keys.getPublic(),
            rootName(settings.trustDomain(), random),
            now.minus(settings.backdate()),
            now.plus(settings.rootTtl()),
            providers,
            random);
    List<X509Certificate> roots = new ArrayList<>();
    roots.add(root);
    roots.addAll(previousRoots);
    return new CaMaterial(keys.getPrivate(), root, List.of(), new TrustBundle(roots));
  }

  // A random suffix in the CN tells rotated roots apart in tools that list them by name.
  private static X500Name rootName(String trustDomain, SecureRandom random) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, trustDomain)
        .addRDN(BCStyle.CN, "Outrigger mesh root " + HexFormat.of().toHexDigits(random.nextInt()))
        .build();
  }
}
