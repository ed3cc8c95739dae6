package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import java.io.IOException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Provider;
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
 * Who does the signature arithmetic. Measured on the project machine (BENCHMARKS.md, "Mesh CA"):
 * in JDK 25 SunEC's P-256 verify costs about 4 signatures, and Bouncy Castle through its JCA layer
 * recomputes the curve generator's tables for every fresh key. Bouncy Castle's lightweight API on
 * its named-curve parameters (one shared generator, tables computed once) is the fastest, so EC
 * signing and CSR verification use it. RSA stays with the JDK, whose big-integer arithmetic is
 * intrinsified. The Bouncy Castle JCA provider is a private instance, never registered in
 * {@link java.security.Security}: the process-wide provider list is not ours to change.
 */
public final class Providers {

  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();
  private static final DefaultDigestAlgorithmIdentifierFinder DIGESTS = new DefaultDigestAlgorithmIdentifierFinder();

  private Providers() {}

  /** The JCA provider for EC key generation and EC key decoding. */
  public static Provider ec() {
    return BOUNCY_CASTLE;
  }

  /** True when {@code key} is an EC key. */
  public static boolean isEc(Key key) {
    return key instanceof ECKey || "EC".equals(key.getAlgorithm());
  }

  /** Makes {@link ContentSigner}s (one per certificate: they are not thread-safe) for one key. */
  public interface SignerFactory {
    ContentSigner newSigner() throws OperatorCreationException;
  }

  /** A signer factory for {@code key} with {@code algorithm}; key conversion happens once, here. */
  public static SignerFactory signers(PrivateKey key, String algorithm) {
    if (!isEc(key)) {
      return () -> new JcaContentSignerBuilder(algorithm).build(key);
    }
    AlgorithmIdentifier signature = new DefaultSignatureAlgorithmIdentifierFinder().find(algorithm);
    AlgorithmIdentifier digest = DIGESTS.find(signature);
    AsymmetricKeyParameter lightweight;
    try {
      lightweight = PrivateKeyFactory.createKey(key.getEncoded());
    } catch (IOException e) {
      throw new CaException("EC key cannot be read for signing: " + e.getMessage(), e);
    }
    return () -> new BcECContentSignerBuilder(signature, digest).build(lightweight);
  }

  /** A verifier for signatures made by the key in {@code spki} (the CSR's own key). */
  public static ContentVerifierProvider verifier(SubjectPublicKeyInfo spki, PublicKey key)
      throws OperatorCreationException, IOException {
    return isEc(key)
        ? verifier((ECPublicKeyParameters) PublicKeyFactory.createKey(spki))
        : new JcaContentVerifierProviderBuilder().build(key);
  }

  /** A verifier for signatures made by an EC key already decoded onto the named-curve tables. */
  public static ContentVerifierProvider verifier(ECPublicKeyParameters key) throws OperatorCreationException {
    return new BcECContentVerifierProviderBuilder(DIGESTS).build(key);
  }
}
