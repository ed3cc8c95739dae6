package io.outrigger.certs.x509;

import io.outrigger.certs.CsrRejectedException;
import io.outrigger.certs.CsrRejectedException.Reason;
import io.outrigger.certs.SpiffeId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.BigIntegers;

/**
 * Decides whether a CSR may be signed for a caller: a valid self-signature, a strong key (RSA of at
 * least 2048 bits, or EC P-256/P-384), and exactly one SAN, a URI equal to the caller's own SPIFFE
 * ID. Everything else the CSR asks for (subject, key usages, CA flag) is ignored: the CA writes
 * those fields itself.
 */
public final class CsrPolicy {

  private static final int MIN_RSA_BITS = 2048;
  private static final int MAX_RSA_BITS = 8192;
  private static final ASN1ObjectIdentifier P256 = SECObjectIdentifiers.secp256r1;
  private static final ASN1ObjectIdentifier P384 = SECObjectIdentifiers.secp384r1;
  private static final byte UNCOMPRESSED = 0x04;

  private final Providers providers;

  public CsrPolicy(Providers providers) {
    this.providers = providers;
  }

  /** The CSR's public key, once every rule holds for {@code caller}. */
  public SubjectKey check(byte[] der, SpiffeId caller) {
    PKCS10CertificationRequest csr = parse(der, caller);
    SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
    SubjectKey key;
    ContentVerifierProvider verifier;
    Providers.NamedCurveKey named = namedCurveKey(spki, caller);
    if (named != null) {
      // P-256/P-384 by OID: decoded and verified by the CA's backend, no JCA key in between.
      key = new SubjectKey(named.info(), false);
      verifier = named.verifier();
    } else {
      PublicKey jca = publicKey(csr, caller);
      ASN1ObjectIdentifier curve = checkKey(jca, caller);
      key =
          curve == null
              ? SubjectKey.of(jca)
              : new SubjectKey(namedCurveForm(curve, (ECPublicKey) jca), false);
      verifier = jcaVerifier(spki, jca, caller);
    }
    checkSignature(csr, verifier, caller);
    checkSans(csr, caller);
    return key;
  }

  private static PKCS10CertificationRequest parse(byte[] der, SpiffeId caller) {
    try {
      return new PKCS10CertificationRequest(der);
    } catch (IOException | RuntimeException e) {
      throw reject(Reason.MALFORMED, caller, "not a DER PKCS#10 request (" + e.getMessage() + ")");
    }
  }

  /**
   * The key of an EC SPKI naming P-256 or P-384 by OID, or null for any other key (explicit curve
   * parameters included), which takes the JCA route and its by-parameters curve check.
   */
  private Providers.NamedCurveKey namedCurveKey(SubjectPublicKeyInfo spki, SpiffeId caller) {
    AlgorithmIdentifier algorithm = spki.getAlgorithm();
    if (!X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm.getAlgorithm())
        || !(algorithm.getParameters() instanceof ASN1ObjectIdentifier curve)
        || !(P256.equals(curve) || P384.equals(curve))) {
      return null;
    }
    try {
      return providers.namedCurveKey(spki);
    } catch (IOException
        | GeneralSecurityException
        | OperatorCreationException
        | RuntimeException e) {
      throw reject(
          Reason.UNSUPPORTED_KEY, caller, "public key cannot be read (" + e.getMessage() + ")");
    }
  }

  /**
   * A P-256/P-384 key the CSR gave with explicit curve parameters, as RFC 5480 has certificates
   * carry it: by the curve's OID (the JDK cannot even parse a certificate with explicit ones).
   */
  private static SubjectPublicKeyInfo namedCurveForm(ASN1ObjectIdentifier curve, ECPublicKey key) {
    int size = (key.getParams().getOrder().bitLength() + 7) / 8;
    byte[] point = new byte[1 + 2 * size];
    point[0] = UNCOMPRESSED;
    System.arraycopy(
        BigIntegers.asUnsignedByteArray(size, key.getW().getAffineX()), 0, point, 1, size);
    System.arraycopy(
        BigIntegers.asUnsignedByteArray(size, key.getW().getAffineY()), 0, point, 1 + size, size);
    return new SubjectPublicKeyInfo(
        new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), point);
  }

  private static PublicKey publicKey(PKCS10CertificationRequest csr, SpiffeId caller) {
    try {
      // Keys come out as Bouncy Castle keys on its named-curve tables, which its verify is fast on.
      return new JcaPKCS10CertificationRequest(csr).setProvider(Providers.ec()).getPublicKey();
    } catch (Exception e) {
      throw reject(
          Reason.UNSUPPORTED_KEY, caller, "public key cannot be read (" + e.getMessage() + ")");
    }
  }

  /** The key's curve OID for an accepted EC key, null for an accepted RSA key. */
  private static ASN1ObjectIdentifier checkKey(PublicKey key, SpiffeId caller) {
    if (key instanceof RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw reject(
            Reason.WEAK_KEY,
            caller,
            "RSA key of " + bits + " bits, must be " + MIN_RSA_BITS + " to " + MAX_RSA_BITS);
      }
      return null;
    }
    if (key instanceof ECPublicKey ec) {
      String curve = Curves.name(ec.getParams());
      if (curve == null) {
        throw reject(
            Reason.WEAK_KEY,
            caller,
            "EC key on a curve of "
                + ec.getParams().getOrder().bitLength()
                + " bits that is neither P-256 nor P-384");
      }
      return "P-256".equals(curve) ? P256 : P384;
    }
    throw reject(
        Reason.UNSUPPORTED_KEY,
        caller,
        key.getAlgorithm() + " key, only RSA (>= 2048 bits) and EC P-256/P-384 are accepted");
  }

  private static ContentVerifierProvider jcaVerifier(
      SubjectPublicKeyInfo spki, PublicKey key, SpiffeId caller) {
    try {
      return Providers.verifier(spki, key);
    } catch (OperatorCreationException | IOException | RuntimeException e) {
      throw reject(
          Reason.BAD_SIGNATURE, caller, "signature cannot be checked (" + e.getMessage() + ")");
    }
  }

  private static void checkSignature(
      PKCS10CertificationRequest csr, ContentVerifierProvider verifier, SpiffeId caller) {
    boolean valid;
    try {
      valid = csr.isSignatureValid(verifier);
    } catch (PKCSException | RuntimeException e) {
      throw reject(
          Reason.BAD_SIGNATURE, caller, "signature cannot be checked (" + e.getMessage() + ")");
    }
    if (!valid) {
      throw reject(Reason.BAD_SIGNATURE, caller, "signature does not match its public key");
    }
  }

  private static void checkSans(PKCS10CertificationRequest csr, SpiffeId caller) {
    List<String> uris = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (GeneralName name : requestedSans(csr)) {
      if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
        uris.add(name.getName().toString());
      } else {
        others.add(describe(name));
      }
    }
    if (!others.isEmpty()) {
      throw reject(Reason.NON_URI_SAN, caller, "asks for SANs other than the SPIFFE ID: " + others);
    }
    if (uris.size() != 1) {
      throw reject(
          Reason.URI_SAN_COUNT,
          caller,
          "asks for "
              + uris.size()
              + " URI SANs "
              + uris
              + ", must be exactly one (the SPIFFE ID)");
    }
    if (!uris.get(0).equals(caller.uri())) {
      throw reject(
          Reason.IDENTITY_MISMATCH,
          caller,
          "asks for " + uris.get(0) + " but the caller is authenticated as " + caller.uri());
    }
  }

  private static GeneralName[] requestedSans(PKCS10CertificationRequest csr) {
    var attributes = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
    List<GeneralName> names = new ArrayList<>();
    for (var attribute : attributes) {
      for (var value : attribute.getAttrValues()) {
        GeneralNames sans =
            GeneralNames.fromExtensions(
                Extensions.getInstance(value), Extension.subjectAlternativeName);
        if (sans != null) {
          names.addAll(List.of(sans.getNames()));
        }
      }
    }
    return names.toArray(GeneralName[]::new);
  }

  private static String describe(GeneralName name) {
    String kind =
        switch (name.getTagNo()) {
          case GeneralName.dNSName -> "DNS";
          case GeneralName.iPAddress -> "IP";
          case GeneralName.rfc822Name -> "email";
          case GeneralName.directoryName -> "dirName";
          default -> "type" + name.getTagNo();
        };
    return kind + ":" + name.getName();
  }

  private static CsrRejectedException reject(Reason reason, SpiffeId caller, String why) {
    return new CsrRejectedException(reason, "CSR from " + caller.uri() + ": " + why);
  }
}
