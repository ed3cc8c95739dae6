package io.outrigger.certs.x509;

import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jcajce.io.OutputStreamFactory;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * Bouncy Castle's signer and verifier interfaces over one JCA {@link Signature} of a chosen
 * provider. Written here rather than taken from Bouncy Castle's Jca builders because those also set
 * up a second, raw signature per verification that the CSR check never uses, and with a native
 * provider every such set-up is a JNI round trip.
 */
final class JcaOperators {

  private static final Map<ASN1ObjectIdentifier, String> ECDSA =
      Map.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA");

  private JcaOperators() {}

  /** A one-use signer: {@code key} must already belong to {@code provider}. */
  static ContentSigner signer(
      AlgorithmIdentifier id, String jcaName, Provider provider, PrivateKey key)
      throws OperatorCreationException {
    Signature signature = signature(jcaName, provider, s -> s.initSign(key));
    OutputStream stream = OutputStreamFactory.createStream(signature);
    return new ContentSigner() {
      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return id;
      }

      @Override
      public OutputStream getOutputStream() {
        return stream;
      }

      @Override
      public byte[] getSignature() {
        try {
          return signature.sign();
        } catch (SignatureException e) {
          throw new RuntimeOperatorException(
              jcaName + " with " + provider.getName() + ": " + e.getMessage(), e);
        }
      }
    };
  }

  /** Verifies ECDSA (SHA-256/384/512) signatures made by {@code key}, a key of {@code provider}. */
  static ContentVerifierProvider ecdsaVerifier(Provider provider, PublicKey key) {
    return new ContentVerifierProvider() {
      @Override
      public boolean hasAssociatedCertificate() {
        return false;
      }

      @Override
      public X509CertificateHolder getAssociatedCertificate() {
        return null;
      }

      @Override
      public ContentVerifier get(AlgorithmIdentifier algorithm) throws OperatorCreationException {
        return verifier(algorithm, provider, key);
      }
    };
  }

  private static ContentVerifier verifier(
      AlgorithmIdentifier algorithm, Provider provider, PublicKey key)
      throws OperatorCreationException {
    String jcaName = ECDSA.get(algorithm.getAlgorithm());
    if (jcaName == null) {
      throw new OperatorCreationException(
          "signature algorithm "
              + algorithm.getAlgorithm().getId()
              + " is not ECDSA with SHA-256/384/512, which an EC key requires");
    }
    Signature signature = signature(jcaName, provider, s -> s.initVerify(key));
    OutputStream stream = OutputStreamFactory.createStream(signature);
    return new ContentVerifier() {
      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
      }

      @Override
      public OutputStream getOutputStream() {
        return stream;
      }

      @Override
      public boolean verify(byte[] expected) {
        try {
          return signature.verify(expected);
        } catch (SignatureException e) {
          // A signature that is not even well-formed DER is simply not valid.
          return false;
        }
      }
    };
  }

  private interface Init {
    void apply(Signature signature) throws GeneralSecurityException;
  }

  private static Signature signature(String jcaName, Provider provider, Init init)
      throws OperatorCreationException {
    try {
      Signature signature = Signature.getInstance(jcaName, provider);
      init.apply(signature);
      return signature;
    } catch (GeneralSecurityException e) {
      throw new OperatorCreationException(
          jcaName + " with " + provider.getName() + ": " + e.getMessage(), e);
    }
  }
}
