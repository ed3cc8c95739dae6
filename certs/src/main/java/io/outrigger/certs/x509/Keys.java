package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import io.outrigger.certs.KeyType;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;

/** Key generation and the check that a private key belongs to a certificate. */
public final class Keys {

  private Keys() {}

  /**
   * A key pair, EC ones from Bouncy Castle (where the CA's backend does not matter, e.g. token
   * keys).
   */
  public static KeyPair generate(KeyType type, SecureRandom random) {
    return generate(type, random, Providers.ec());
  }

  /**
   * A key pair, EC ones from {@code ecProvider}. BoringSSL draws on its own random source and
   * ignores {@code random}.
   */
  public static KeyPair generate(KeyType type, SecureRandom random, Provider ecProvider) {
    try {
      boolean ec = type.algorithm().equals("EC");
      KeyPairGenerator generator =
          ec
              ? KeyPairGenerator.getInstance("EC", ecProvider)
              : KeyPairGenerator.getInstance(type.algorithm());
      if (ec) {
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      } else {
        generator.initialize(type.bits(), random);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new CaException("cannot generate a " + type.cliName() + " key: " + e.getMessage(), e);
    }
  }

  /** True when {@code privateKey} signs what {@code publicKey} verifies. */
  public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
    if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
      String algorithm = CertificateSigner.signatureAlgorithm(privateKey);
      byte[] challenge =
          "outrigger key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** True when {@code issuer}'s key verifies {@code cert}'s signature. */
  public static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    try {
      cert.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
