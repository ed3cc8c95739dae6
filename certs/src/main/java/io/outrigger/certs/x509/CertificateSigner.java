package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import io.outrigger.certs.SpiffeId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERGeneralizedTime;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.IPAddress;

/**
 * Signs certificates with one CA key: SPIFFE X.509-SVIDs and self-signed roots. What is constant
 * per CA (issuer name, authority key id, signature algorithm) is computed once, because issuance is
 * on the hot path of every sidecar start.
 */
public final class CertificateSigner {

  private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
  private static final DateTimeFormatter GENERALIZED_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");
  private static final X500Name EMPTY_SUBJECT = new X500Name(new org.bouncycastle.asn1.x500.RDN[0]);

  private final Providers.SignerFactory signers;
  private final X500Name issuerName;
  private final AuthorityKeyIdentifier authorityKeyId;
  private final SecureRandom random;

  public CertificateSigner(
      PrivateKey issuerKey, X509Certificate issuerCert, Providers providers, SecureRandom random) {
    this.signers = providers.signers(issuerKey, signatureAlgorithm(issuerKey));
    this.issuerName = X500Name.getInstance(issuerCert.getSubjectX500Principal().getEncoded());
    this.authorityKeyId = new AuthorityKeyIdentifier(subjectKeyId(issuerCert));
    this.random = random;
  }

  /**
   * Which implementation makes this CA's signatures (BoringSSL, Bouncy Castle lightweight, JDK).
   */
  public String implementation() {
    return signers.implementation();
  }

  /**
   * An X.509-SVID: empty subject, the SPIFFE ID as the only URI SAN (critical, since the subject is
   * empty), optional DNS (or IP, for an IP literal) SANs for serving certificates, not a CA,
   * digitalSignature (plus keyEncipherment for RSA keys), serverAuth and clientAuth.
   */
  public X509Certificate signLeaf(
      SubjectKey subjectKey,
      SpiffeId id,
      List<String> dnsNames,
      Instant notBefore,
      Instant notAfter) {
    SubjectPublicKeyInfo spki = subjectKey.info();
    X509v3CertificateBuilder builder =
        new X509v3CertificateBuilder(
            issuerName, serial(), time(notBefore), time(notAfter), EMPTY_SUBJECT, spki);
    int usage = KeyUsage.digitalSignature | (subjectKey.rsa() ? KeyUsage.keyEncipherment : 0);
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri()));
    // An IP literal (a server reached by address, e.g. a webhook on 127.0.0.1) is an IP SAN.
    dnsNames.forEach(
        name ->
            names.add(
                new GeneralName(
                    IPAddress.isValid(name) ? GeneralName.iPAddress : GeneralName.dNSName, name)));
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.subjectKeyIdentifier, false, keyId(spki));
      builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId);
    } catch (CertIOException e) {
      throw new CaException("SVID " + id + ": cannot encode extensions", e);
    }
    String what = "SVID " + id;
    return new DeferredX509Certificate(encoded(build(builder, signers, what), what), what);
  }

  /** A self-signed CA certificate (the mesh root). */
  public static X509Certificate selfSignedRoot(
      PrivateKey key,
      PublicKey publicKey,
      X500Name subject,
      Instant notBefore,
      Instant notAfter,
      Providers providers,
      SecureRandom random) {
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
    X509v3CertificateBuilder builder =
        new X509v3CertificateBuilder(
            subject, serial(random), time(notBefore), time(notAfter), subject, spki);
    SubjectKeyIdentifier ski = keyId(spki);
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectKeyIdentifier, false, ski);
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new AuthorityKeyIdentifier(ski.getKeyIdentifier()));
    } catch (CertIOException e) {
      throw new CaException("root " + subject + ": cannot encode extensions", e);
    }
    return sign(builder, providers.signers(key, signatureAlgorithm(key)), "root " + subject);
  }

  /** The signature algorithm matching a CA key: SHA-256 for RSA and P-256, SHA-384 for P-384. */
  public static String signatureAlgorithm(PrivateKey key) {
    if (key instanceof RSAKey) {
      return "SHA256withRSA";
    }
    if (key instanceof ECKey ec) {
      int bits = ec.getParams().getOrder().bitLength();
      return bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
    }
    throw new CaException(
        "CA key algorithm " + key.getAlgorithm() + " is not supported (use EC or RSA)");
  }

  // Parsed by the JDK at once: roots are few, and are read and compared more than they are made.
  private static X509Certificate sign(
      X509v3CertificateBuilder certificate, Providers.SignerFactory signers, String what) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(encoded(build(certificate, signers, what), what)));
    } catch (CertificateException e) {
      throw new CaException(what + ": signing failed: " + e.getMessage(), e);
    }
  }

  private static X509CertificateHolder build(
      X509v3CertificateBuilder certificate, Providers.SignerFactory signers, String what) {
    try {
      return certificate.build(signers.newSigner());
    } catch (OperatorCreationException e) {
      throw new CaException(what + ": signing failed: " + e.getMessage(), e);
    }
  }

  private static byte[] encoded(X509CertificateHolder holder, String what) {
    try {
      return holder.getEncoded();
    } catch (IOException e) {
      throw new CaException(what + ": signing failed: " + e.getMessage(), e);
    }
  }

  private static byte[] subjectKeyId(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    if (ext != null) {
      return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets())
          .getKeyIdentifier();
    }
    return keyId(SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded()))
        .getKeyIdentifier();
  }

  /** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (what openssl computes too). */
  private static SubjectKeyIdentifier keyId(SubjectPublicKeyInfo spki) {
    try {
      return new SubjectKeyIdentifier(
          MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1 digest", e);
    }
  }

  /**
   * RFC 5280 validity encoding: UTCTime through 2049, GeneralizedTime after. Formatted with
   * java.time, and the UTCTime read from its DER, because Bouncy Castle's Date and String
   * constructors build a SimpleDateFormat per call (the String one to validate what we just
   * formatted), a measurable share of issuance time.
   */
  private static Time time(Instant instant) {
    ZonedDateTime utc = instant.truncatedTo(ChronoUnit.SECONDS).atZone(ZoneOffset.UTC);
    if (utc.getYear() >= 2050) {
      return new Time(new DERGeneralizedTime(GENERALIZED_TIME.format(utc)));
    }
    byte[] text = UTC_TIME.format(utc).getBytes(StandardCharsets.US_ASCII);
    byte[] der = new byte[2 + text.length];
    der[0] = BERTags.UTC_TIME;
    der[1] = (byte) text.length;
    System.arraycopy(text, 0, der, 2, text.length);
    return new Time(ASN1UTCTime.getInstance(der));
  }

  private BigInteger serial() {
    return serial(random);
  }

  // 127 random bits with the top one set: positive, fixed length, well under the 20-octet limit.
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).setBit(126);
  }
}
