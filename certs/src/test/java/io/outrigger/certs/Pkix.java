package io.outrigger.certs;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.List;

/** The JDK's PKIX validator (not our code), for asserting that chains verify. */
final class Pkix {

  private Pkix() {}

  /**
   * Validates leaf-first {@code chain} (root excluded) against {@code bundle}; throws when it does
   * not verify.
   */
  static void validate(List<X509Certificate> chain, TrustBundle bundle)
      throws GeneralSecurityException {
    PKIXParameters params = new PKIXParameters(bundle.anchors());
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
  }

  /** Parses PEM with the JDK's CertificateFactory. */
  static List<X509Certificate> parse(String pem) throws GeneralSecurityException {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(
            new java.io.ByteArrayInputStream(
                pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .stream()
        .map(X509Certificate.class::cast)
        .toList();
  }
}
