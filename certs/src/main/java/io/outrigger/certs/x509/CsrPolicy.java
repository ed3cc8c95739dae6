package io.outrigger.certs.x509;

import io.outrigger.certs.CsrRejectedException;
import io.outrigger.certs.CsrRejectedException.Reason;
import io.outrigger.certs.SpiffeId;
import java.io.IOException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Decides whether a CSR may be signed for a caller: a valid self-signature, a strong key (RSA of at
 * least 2048 bits, or EC P-256/P-384), and exactly one SAN, a URI equal to the caller's own SPIFFE
 * ID. Everything else the CSR asks for (subject, key usages, CA flag) is ignored: the CA writes
 * those fields itself.
 */
public final class CsrPolicy {

  private static final int MIN_RSA_BITS = 2048;
  private static final int MAX_RSA_BITS = 8192;

  private CsrPolicy() {}

  /** The CSR's public key, once every rule holds for {@code caller}. */
  public static PublicKey check(byte[] der, SpiffeId caller) {
    JcaPKCS10CertificationRequest csr = parse(der, caller);
    PublicKey key = publicKey(csr, caller);
    checkKey(key, caller);
    checkSignature(csr, key, caller);
    checkSans(csr, caller);
    return key;
  }

  private static JcaPKCS10CertificationRequest parse(byte[] der, SpiffeId caller) {
    try {
      // Keys come out as Bouncy Castle keys on its named-curve tables, which its verify is fast on.
      return new JcaPKCS10CertificationRequest(der).setProvider(Providers.ec());
    } catch (IOException | RuntimeException e) {
      throw reject(Reason.MALFORMED, caller, "not a DER PKCS#10 request (" + e.getMessage() + ")");
    }
  }

  private static PublicKey publicKey(JcaPKCS10CertificationRequest csr, SpiffeId caller) {
    try {
      return csr.getPublicKey();
    } catch (Exception e) {
      throw reject(Reason.UNSUPPORTED_KEY, caller, "public key cannot be read (" + e.getMessage() + ")");
    }
  }

  private static void checkKey(PublicKey key, SpiffeId caller) {
    if (key instanceof RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw reject(Reason.WEAK_KEY, caller,
            "RSA key of " + bits + " bits, must be " + MIN_RSA_BITS + " to " + MAX_RSA_BITS);
      }
      return;
    }
    if (key instanceof ECPublicKey ec) {
      String curve = Curves.name(ec.getParams());
      if (curve == null) {
        throw reject(Reason.WEAK_KEY, caller,
            "EC key on a curve of " + ec.getParams().getOrder().bitLength()
                + " bits that is neither P-256 nor P-384");
      }
      return;
    }
    throw reject(Reason.UNSUPPORTED_KEY, caller,
        key.getAlgorithm() + " key, only RSA (>= 2048 bits) and EC P-256/P-384 are accepted");
  }

  private static void checkSignature(JcaPKCS10CertificationRequest csr, PublicKey key, SpiffeId caller) {
    boolean valid;
    try {
      valid = csr.isSignatureValid(Providers.verifier(csr.getSubjectPublicKeyInfo(), key));
    } catch (OperatorCreationException | PKCSException | IOException | RuntimeException e) {
      throw reject(Reason.BAD_SIGNATURE, caller, "signature cannot be checked (" + e.getMessage() + ")");
    }
    if (!valid) {
      throw reject(Reason.BAD_SIGNATURE, caller, "signature does not match its public key");
    }
  }

  private static void checkSans(JcaPKCS10CertificationRequest csr, SpiffeId caller) {
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
      throw reject(Reason.URI_SAN_COUNT, caller,
          "asks for " + uris.size() + " URI SANs " + uris + ", must be exactly one (the SPIFFE ID)");
    }
    if (!uris.get(0).equals(caller.uri())) {
      throw reject(Reason.IDENTITY_MISMATCH, caller,
          "asks for " + uris.get(0) + " but the caller is authenticated as " + caller.uri());
    }
  }

  private static GeneralName[] requestedSans(JcaPKCS10CertificationRequest csr) {
    var attributes = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
    List<GeneralName> names = new ArrayList<>();
    for (var attribute : attributes) {
      for (var value : attribute.getAttrValues()) {
        GeneralNames sans = GeneralNames.fromExtensions(Extensions.getInstance(value),
            Extension.subjectAlternativeName);
        if (sans != null) {
          names.addAll(List.of(sans.getNames()));
        }
      }
    }
    return names.toArray(GeneralName[]::new);
  }

  private static String describe(GeneralName name) {
    String kind = switch (name.getTagNo()) {
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
