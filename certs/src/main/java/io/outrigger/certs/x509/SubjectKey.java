package io.outrigger.certs.x509;

import java.security.PublicKey;
import java.security.interfaces.RSAKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The public key a certificate is issued for, as it goes into the certificate. A CSR's EC key stays
 * in this form from the request to the certificate, with no JCA key object in between.
 *
 * @param info the SubjectPublicKeyInfo written into the certificate
 * @param rsa whether the key is RSA (its SVID then also allows keyEncipherment)
 */
public record SubjectKey(SubjectPublicKeyInfo info, boolean rsa) {

  /** The form of a JCA public key. */
  public static SubjectKey of(PublicKey key) {
    return new SubjectKey(
        SubjectPublicKeyInfo.getInstance(key.getEncoded()), key instanceof RSAKey);
  }
}
