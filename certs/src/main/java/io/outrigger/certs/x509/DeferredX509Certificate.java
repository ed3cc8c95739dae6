package io.outrigger.certs.x509;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Principal;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A certificate we have just signed, handed out as its DER bytes with the JDK's parse of them made
 * on first use. The usual consumer (the CreateCertificate answer, SDS) only PEM-encodes the chain,
 * and the JDK parse was about a tenth of an issuance (BENCHMARKS.md, "Mesh CA"). Every method other
 * than {@link #getEncoded} answers from the JDK's own {@code X509Certificate} for the same bytes,
 * so callers see exactly what an eager parse would have given them.
 */
final class DeferredX509Certificate extends X509Certificate {

  private final byte[] der;
  private final String what;
  private volatile X509Certificate parsed;

  DeferredX509Certificate(byte[] der, String what) {
    this.der = der;
    this.what = what;
  }

  private X509Certificate jdk() {
    X509Certificate cert = parsed;
    if (cert == null) {
      try {
        cert =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
      } catch (CertificateException e) {
        throw new IllegalStateException(
            what + ": the JDK cannot parse the certificate we signed: " + e.getMessage(), e);
      }
      parsed = cert; // racing threads parse the same bytes to equal objects, so either may win
    }
    return cert;
  }

  @Override
  public byte[] getEncoded() throws CertificateEncodingException {
    return der.clone();
  }

  @Override
  public void verify(PublicKey key)
      throws CertificateException,
          NoSuchAlgorithmException,
          InvalidKeyException,
          NoSuchProviderException,
          SignatureException {
    jdk().verify(key);
  }

  @Override
  public void verify(PublicKey key, String sigProvider)
      throws CertificateException,
          NoSuchAlgorithmException,
          InvalidKeyException,
          NoSuchProviderException,
          SignatureException {
    jdk().verify(key, sigProvider);
  }

  @Override
  public void verify(PublicKey key, Provider sigProvider)
      throws CertificateException,
          NoSuchAlgorithmException,
          InvalidKeyException,
          SignatureException {
    jdk().verify(key, sigProvider);
  }

  @Override
  public String toString() {
    return jdk().toString();
  }

  @Override
  public PublicKey getPublicKey() {
    return jdk().getPublicKey();
  }

  @Override
  public void checkValidity() throws CertificateExpiredException, CertificateNotYetValidException {
    jdk().checkValidity();
  }

  @Override
  public void checkValidity(Date date)
      throws CertificateExpiredException, CertificateNotYetValidException {
    jdk().checkValidity(date);
  }

  @Override
  public int getVersion() {
    return jdk().getVersion();
  }

  @Override
  public BigInteger getSerialNumber() {
    return jdk().getSerialNumber();
  }

  @Override
  @SuppressWarnings("deprecation")
  public Principal getIssuerDN() {
    return jdk().getIssuerDN();
  }

  @Override
  @SuppressWarnings("deprecation")
  public Principal getSubjectDN() {
    return jdk().getSubjectDN();
  }

  @Override
  public X500Principal getIssuerX500Principal() {
    return jdk().getIssuerX500Principal();
  }

  @Override
  public X500Principal getSubjectX500Principal() {
    return jdk().getSubjectX500Principal();
  }

  @Override
  public Date getNotBefore() {
    return jdk().getNotBefore();
  }

  @Override
  public Date getNotAfter() {
    return jdk().getNotAfter();
  }

  @Override
  public byte[] getTBSCertificate() throws CertificateEncodingException {
    return jdk().getTBSCertificate();
  }

  @Override
  public byte[] getSignature() {
    return jdk().getSignature();
  }

  @Override
  public String getSigAlgName() {
    return jdk().getSigAlgName();
  }

  @Override
  public String getSigAlgOID() {
    return jdk().getSigAlgOID();
  }

  @Override
  public byte[] getSigAlgParams() {
    return jdk().getSigAlgParams();
  }

  @Override
  public boolean[] getIssuerUniqueID() {
    return jdk().getIssuerUniqueID();
  }

  @Override
  public boolean[] getSubjectUniqueID() {
    return jdk().getSubjectUniqueID();
  }

  @Override
  public boolean[] getKeyUsage() {
    return jdk().getKeyUsage();
  }

  @Override
  public List<String> getExtendedKeyUsage() throws CertificateParsingException {
    return jdk().getExtendedKeyUsage();
  }

  @Override
  public int getBasicConstraints() {
    return jdk().getBasicConstraints();
  }

  @Override
  public Collection<List<?>> getSubjectAlternativeNames() throws CertificateParsingException {
    return jdk().getSubjectAlternativeNames();
  }

  @Override
  public Collection<List<?>> getIssuerAlternativeNames() throws CertificateParsingException {
    return jdk().getIssuerAlternativeNames();
  }

  @Override
  public boolean hasUnsupportedCriticalExtension() {
    return jdk().hasUnsupportedCriticalExtension();
  }

  @Override
  public Set<String> getCriticalExtensionOIDs() {
    return jdk().getCriticalExtensionOIDs();
  }

  @Override
  public Set<String> getNonCriticalExtensionOIDs() {
    return jdk().getNonCriticalExtensionOIDs();
  }

  @Override
  public byte[] getExtensionValue(String oid) {
    return jdk().getExtensionValue(oid);
  }
}
