package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import io.outrigger.certs.CryptoBackend;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.operator.bc.BcECContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * Who does the signature arithmetic, for one CA. Measured on the project machine (BENCHMARKS.md,
 * "Mesh CA"): a CSR costs one ECDSA verify and one ECDSA signature, and in pure Java that pair
 * costs about two SunEC signatures, the CA's target. BoringSSL (through Conscrypt's JNI library)
 * verifies (key decoding included) about 2.6 times and signs about 3.7 times faster than Bouncy
 * Castle's lightweight API, the fastest pure-Java code measured here (SunEC's P-256 verify is
 * slower still, and Bouncy Castle's JCA layer rebuilt the curve generator's tables per key). So EC
 * signing, CSR verification and EC key generation use BoringSSL when its native library loads, and
 * Bouncy Castle's lightweight API on its shared named-curve tables otherwise ({@link
 * CryptoBackend}). RSA stays with the JDK, whose big-integer arithmetic is intrinsified. Providers
 * are private instances, never registered in {@link java.security.Security}: the process-wide list
 * is not ours.
 */
public final class Providers {

  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();
  private static final DefaultDigestAlgorithmIdentifierFinder DIGESTS =
      new DefaultDigestAlgorithmIdentifierFinder();
  private static final byte UNCOMPRESSED = 0x04;

  private final CryptoBackend backend;
  private final String fallbackReason;

  private Providers(CryptoBackend backend, String fallbackReason) {
    this.backend = backend;
    this.fallbackReason = fallbackReason;
  }

  /**
   * The backend for a setting: {@code AUTO} is BoringSSL where it loads, else Bouncy Castle; {@code
   * BORINGSSL} where it does not load is an error naming why, not a silent fallback.
   */
  public static Providers choose(CryptoBackend requested) {
    return switch (requested) {
      case BOUNCY_CASTLE -> new Providers(CryptoBackend.BOUNCY_CASTLE, null);
      case BORINGSSL -> {
        if (!BoringSsl.available()) {
          throw new CaException(
              "CA crypto backend boringssl was asked for but cannot load: "
                  + BoringSsl.unavailableReason()
                  + " (use "
                  + CryptoBackend.PROPERTY
                  + "=bouncycastle or auto)");
        }
        yield new Providers(CryptoBackend.BORINGSSL, null);
      }
      case AUTO ->
          BoringSsl.available()
              ? new Providers(CryptoBackend.BORINGSSL, null)
              : new Providers(CryptoBackend.BOUNCY_CASTLE, BoringSsl.unavailableReason());
    };
  }

  /** BORINGSSL or BOUNCY_CASTLE, never AUTO. */
  public CryptoBackend backend() {
    return backend;
  }

  /** Why {@code AUTO} fell back to Bouncy Castle; null when it did not. */
  public String fallbackReason() {
    return fallbackReason;
  }

  /** The Bouncy Castle JCA provider, for decoding keys the fast paths do not cover. */
  public static Provider ec() {
    return BOUNCY_CASTLE;
  }

  /** The JCA provider that generates EC keys with this backend. */
  public Provider ecKeyGeneration() {
    return backend == CryptoBackend.BORINGSSL ? BoringSsl.provider() : BOUNCY_CASTLE;
  }

  /** True when {@code key} is an EC key. */
  public static boolean isEc(Key key) {
    return key instanceof ECKey || "EC".equals(key.getAlgorithm());
  }

  /** Makes {@link ContentSigner}s (one per certificate: they are not thread-safe) for one key. */
  public interface SignerFactory {
    ContentSigner newSigner() throws OperatorCreationException;

    /** Which implementation signs, for the CA's start-up log and tests. */
    String implementation();
  }

  /** A signer factory for {@code key} with {@code algorithm}; key conversion happens once, here. */
  public SignerFactory signers(PrivateKey key, String algorithm) {
    if (!isEc(key)) {
      return signerFactory("JDK", () -> new JcaContentSignerBuilder(algorithm).build(key));
    }
    AlgorithmIdentifier signature = new DefaultSignatureAlgorithmIdentifierFinder().find(algorithm);
    if (backend == CryptoBackend.BORINGSSL) {
      Provider provider = BoringSsl.provider();
      PrivateKey boringKey;
      try {
        boringKey = BoringSsl.privateKey(key);
      } catch (GeneralSecurityException e) {
        throw new CaException(
            "EC key cannot be read by BoringSSL for signing: " + e.getMessage(), e);
      }
      return signerFactory(
          "BoringSSL", () -> JcaOperators.signer(signature, algorithm, provider, boringKey));
    }
    AlgorithmIdentifier digest = DIGESTS.find(signature);
    AsymmetricKeyParameter lightweight;
    try {
      lightweight = PrivateKeyFactory.createKey(key.getEncoded());
    } catch (IOException e) {
      throw new CaException("EC key cannot be read for signing: " + e.getMessage(), e);
    }
    return signerFactory(
        "Bouncy Castle lightweight",
        () -> new BcECContentSignerBuilder(signature, digest).build(lightweight));
  }

  private interface SignerSupplier {
    ContentSigner get() throws OperatorCreationException;
  }

  private static SignerFactory signerFactory(String implementation, SignerSupplier supplier) {
    return new SignerFactory() {
      @Override
      public ContentSigner newSigner() throws OperatorCreationException {
        return supplier.get();
      }

      @Override
      public String implementation() {
        return implementation;
      }
    };
  }

  /**
   * A CSR's EC key on a curve named by OID, decoded by this backend.
   *
   * @param info the key as the certificate carries it: its point uncompressed
   * @param verifier checks signatures made by the key
   */
  public record NamedCurveKey(SubjectPublicKeyInfo info, ContentVerifierProvider verifier) {}

  /**
   * Decodes an EC SubjectPublicKeyInfo that names its curve by OID. Both backends refuse a point
   * that is not on the curve, the point at infinity, and a malformed encoding.
   */
  public NamedCurveKey namedCurveKey(SubjectPublicKeyInfo spki)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    byte[] point = spki.getPublicKeyData().getOctets();
    boolean uncompressed = point.length > 0 && point[0] == UNCOMPRESSED; // SEC 1, 2.3.3
    if (backend == CryptoBackend.BORINGSSL) {
      PublicKey key = BoringSsl.publicKey(spki.getEncoded());
      // BoringSSL encodes public keys uncompressed, whatever form it decoded.
      SubjectPublicKeyInfo info =
          uncompressed ? spki : SubjectPublicKeyInfo.getInstance(key.getEncoded());
      return new NamedCurveKey(info, JcaOperators.ecdsaVerifier(BoringSsl.provider(), key));
    }
    // Decodes the point and checks that it lies on the curve; verifies on the shared curve tables.
    ECPublicKeyParameters key = (ECPublicKeyParameters) PublicKeyFactory.createKey(spki);
    SubjectPublicKeyInfo info =
        uncompressed
            ? spki
            : new SubjectPublicKeyInfo(spki.getAlgorithm(), key.getQ().getEncoded(false));
    return new NamedCurveKey(info, new BcECContentVerifierProviderBuilder(DIGESTS).build(key));
  }

  /** A verifier for a key that took the JCA route (RSA, EC with explicit curve parameters). */
  public static ContentVerifierProvider verifier(SubjectPublicKeyInfo spki, PublicKey key)
      throws OperatorCreationException, IOException {
    return isEc(key)
        ? new BcECContentVerifierProviderBuilder(DIGESTS)
            .build((ECPublicKeyParameters) PublicKeyFactory.createKey(spki))
        : new JcaContentVerifierProviderBuilder().build(key);
  }
}
