package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import io.outrigger.certs.CsrRejectedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * PEM encoding and decoding of certificates, keys and CSRs; {@code source} names the input in
 * errors.
 */
public final class Pem {

  private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
  // RFC 7468: a labelled block of base64; the END label must match the BEGIN one.
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

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
    return "-----BEGIN "
        + type
        + "-----\n"
        + BASE64.encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /**
   * Every {@code CERTIFICATE} block of the text, in order; at least one is required. Other blocks
   * (a key kept in the same file) are skipped; a text holding only other things is refused by what
   * it holds.
   */
  public static List<X509Certificate> readCertificates(String pem, String source) {
    List<String> labels = new ArrayList<>();
    List<X509Certificate> certs = new ArrayList<>();
    Matcher block = BLOCK.matcher(pem);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (block.find()) {
        labels.add(block.group(1));
        if (block.group(1).equals("CERTIFICATE")) {
          byte[] der = Base64.getMimeDecoder().decode(block.group(2));
          certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new CaException(
          source
              + ": certificate "
              + (certs.size() + 1)
              + " is not a valid X.509 certificate: "
              + e.getMessage(),
          e);
    }
    if (certs.isEmpty()) {
      throw new CaException(
          source
              + ": "
              + (labels.isEmpty()
                  ? "not PEM: no '-----BEGIN CERTIFICATE-----' line"
                  : "holds " + what(labels.getFirst()) + ", not a certificate"));
    }
    return certs;
  }

  private static String what(String label) {
    return label.endsWith("PRIVATE KEY")
        ? "a private key (PEM '" + label + "')"
        : "a PEM '" + label + "'";
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
      throw new CaException(
          source
              + ": holds no unencrypted PEM private key"
              + (object == null ? "" : " (found " + object.getClass().getSimpleName() + ")"));
    } catch (IOException e) {
      throw new CaException(source + ": cannot read PEM private key: " + e.getMessage(), e);
    }
  }

  /**
   * Longest CSR parsed (docs/limits.md): a workload's CSR is about 1 KiB, an RSA-4096 one under 2
   * KiB.
   */
  public static final int MAX_CSR_CHARS = 16 * 1024;

  /**
   * A PKCS#10 request from PEM ({@code CERTIFICATE REQUEST}), at most {@link #MAX_CSR_CHARS}
   * characters.
   */
  public static byte[] readCsrDer(String pem, String source) {
    if (pem.length() > MAX_CSR_CHARS) {
      throw new CsrRejectedException(
          CsrRejectedException.Reason.MALFORMED,
          source + ": " + pem.length() + " characters, longer than the limit of " + MAX_CSR_CHARS);
    }
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object instanceof PKCS10CertificationRequest csr) {
        return csr.getEncoded();
      }
      throw new CsrRejectedException(
          CsrRejectedException.Reason.MALFORMED, source + ": not a PEM CERTIFICATE REQUEST");
    } catch (IOException e) {
      throw new CsrRejectedException(
          CsrRejectedException.Reason.MALFORMED,
          source + ": cannot read PEM certificate request: " + e.getMessage());
    }
  }
}
