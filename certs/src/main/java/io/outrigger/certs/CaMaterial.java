package io.outrigger.certs;

import io.outrigger.certs.x509.CaFiles;
import io.outrigger.certs.x509.KeyFiles;
import io.outrigger.certs.x509.Keys;
import io.outrigger.certs.x509.Pem;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * What the CA signs with, as read from (or written to) a {@code cacerts} directory.
 *
 * @param signingKey the CA key
 * @param signingCert the CA certificate
 * @param chain the signing certificate and its issuers up to but excluding the root; empty when the
 *     CA is itself a root
 * @param bundle every root in force
 */
record CaMaterial(
    PrivateKey signingKey,
    X509Certificate signingCert,
    List<X509Certificate> chain,
    TrustBundle bundle) {

  CaMaterial {
    chain = List.copyOf(chain);
  }

  boolean selfSigned() {
    return chain.isEmpty();
  }

  /**
   * Reads and checks a CA directory: key matches certificate, certificate is a CA, chain reaches a
   * root.
   */
  static CaMaterial load(CaFiles files, Date now) {
    List<java.nio.file.Path> missing = files.missing();
    if (!missing.isEmpty()) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": missing "
              + missing
              + " (a cacerts directory needs ca-cert.pem, ca-key.pem, root-cert.pem, and cert-chain.pem for an intermediate)");
    }
    X509Certificate caCert =
        Pem.readCertificates(KeyFiles.readPublic(files.caCert()), files.caCert().toString()).get(0);
    PrivateKey key =
        Pem.readPrivateKey(KeyFiles.readSecret(files.caKey()), files.caKey().toString());
    if (!Keys.matches(key, caCert.getPublicKey())) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": "
              + files.caKey().getFileName()
              + " is not the key of "
              + files.caCert().getFileName());
    }
    if (caCert.getBasicConstraints() < 0 || !caCert.getKeyUsage()[5]) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": "
              + files.caCert().getFileName()
              + " ("
              + caCert.getSubjectX500Principal()
              + ") is not a CA certificate (needs CA:TRUE and keyCertSign)");
    }
    TrustBundle bundle =
        new TrustBundle(
            Pem.readCertificates(
                KeyFiles.readPublic(files.rootCert()), files.rootCert().toString()));
    List<X509Certificate> chain = chainOf(files, caCert, bundle);
    verify(files, chain, caCert, bundle, now);
    return new CaMaterial(key, caCert, chain, bundle);
  }

  /**
   * Writes every file of the layout, each atomically. A reader racing a rewrite fails the
   * key/certificate match in {@link #load} rather than signing with a mismatched pair.
   */
  void write(CaFiles files) {
    KeyFiles.writePublic(files.rootCert(), bundle.pem());
    List<X509Certificate> fullChain = new ArrayList<>(chain);
    fullChain.add(root()); // for a root CA: the root alone
    KeyFiles.writePublic(files.certChain(), Pem.certificates(fullChain));
    KeyFiles.writeSecret(files.caKey(), Pem.privateKey(signingKey));
    KeyFiles.writePublic(files.caCert(), Pem.certificate(signingCert));
  }

  /**
   * The root of the bundle that issued the top of the chain (the signing cert itself for a root
   * CA).
   */
  X509Certificate root() {
    X509Certificate top = chain.isEmpty() ? signingCert : chain.get(chain.size() - 1);
    return bundle.roots().stream()
        .filter(
            r ->
                r.getSubjectX500Principal().equals(top.getIssuerX500Principal())
                    && Keys.signedBy(top, r))
        .findFirst()
        .orElse(top);
  }

  private static List<X509Certificate> chainOf(
      CaFiles files, X509Certificate caCert, TrustBundle bundle) {
    if (bundle.contains(caCert)) {
      return List.of();
    }
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(caCert);
    if (java.nio.file.Files.exists(files.certChain())) {
      for (X509Certificate c :
          Pem.readCertificates(
              KeyFiles.readPublic(files.certChain()), files.certChain().toString())) {
        boolean isRoot =
            bundle.contains(c) || c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
        if (!c.equals(caCert) && !isRoot) {
          chain.add(c);
        }
      }
    }
    return chain;
  }

  private static void verify(
      CaFiles files,
      List<X509Certificate> chain,
      X509Certificate caCert,
      TrustBundle bundle,
      Date now) {
    try {
      if (chain.isEmpty()) {
        caCert.checkValidity(now);
        caCert.verify(caCert.getPublicKey());
        return;
      }
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
      PKIXParameters params = new PKIXParameters(bundle.anchors());
      params.setRevocationEnabled(false);
      params.setDate(now);
      CertPathValidator.getInstance("PKIX").validate(path, params);
    } catch (GeneralSecurityException e) {
      throw new CaException(
          "CA directory "
              + files.dir()
              + ": "
              + caCert.getSubjectX500Principal()
              + " does not chain to a root in root-cert.pem or is not valid now: "
              + e.getMessage(),
          e);
    }
  }
}
