package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import io.outrigger.certs.CsrRejectedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** PEM encoding and decoding of certificates, keys and CSRs; {@code source} names the input in errors. */
public final class Pem {

  private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

  private Pem() {}

  public static String certificate(X509Certificate cert) {
    try {
      return block("CERTIFICATE", cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new CaException("certificate " + cert.getSubjectX500Principal() + ": cannot encode", e);
    }
  }

  public static String certificates(List<X509Certificate> certs) {
    StringBuilder out = new StringBuilder();
    certs.forEach(c -> out.append(certificate(c)));
    return out.toString();
  }

  /** PKCS#8 {@code PRIVATE KEY}, the form Envoy and openssl read for both RSA and EC. */
  public static String privateKey(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  public static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + BASE64.encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /** Every certificate in the text, in order; at least one is required. */
  public static List<X509Certificate> readCertificates(String pem, String source) {
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> certs = factory
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .stream()
          .map(X509Certificate.class::cast)
          .toList();
      if (certs.isEmpty()) {
        throw new CaException(source + ": holds no PEM certificate");
      }
      return certs;
    } catch (CertificateException e) {
      throw new CaException(source + ": not a valid PEM certificate list: " + e.getMessage(), e);
    }
  }

  /** A private key in PKCS#8, or in openssl's traditional EC/RSA forms. */
  public static PrivateKey readPrivateKey(String pem, String source) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      throw new CaException(source + ": holds no unencrypted PEM private key"
          + (object == null ? "" : " (found " + object.getClass().getSimpleName() + ")"));
    } catch (IOException e) {
      throw new CaException(source + ": cannot read PEM private key: " + e.getMessage(), e);
    }
  }

  /** A PKCS#10 request from PEM ({@code CERTIFICATE REQUEST}). */
  public static byte[] readCsrDer(String pem, String source) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object instanceof PKCS10CertificationRequest csr) {
        return csr.getEncoded();
      }
      throw new CsrRejectedException(CsrRejectedException.Reason.MALFORMED,
          source + ": not a PEM CERTIFICATE REQUEST");
    } catch (IOException e) {
      throw new CsrRejectedException(CsrRejectedException.Reason.MALFORMED,
          source + ": cannot read PEM certificate request: " + e.getMessage());
    }
  }
}
