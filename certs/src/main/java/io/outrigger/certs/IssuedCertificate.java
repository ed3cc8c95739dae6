package io.outrigger.certs;

import io.outrigger.certs.x509.Pem;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload's key and certificate chain: the leaf first, then intermediates up to but excluding
 * the root (the root travels separately, in the trust bundle).
 */
public record IssuedCertificate(PrivateKey privateKey, List<X509Certificate> chain) {

  public IssuedCertificate {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(chain, "chain");
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(
          "issued certificate: the chain must hold at least the leaf");
    }
    chain = List.copyOf(chain);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The key in PKCS#8 PEM. */
  public String privateKeyPem() {
    return Pem.privateKey(privateKey);
  }

  /** The leaf then its intermediates, as PEM (Envoy's {@code certificate_chain}). */
  public String certificateChainPem() {
    return Pem.certificates(chain);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  @Override
  public String toString() {
    // Never print the key.
    return "IssuedCertificate[serial="
        + leaf().getSerialNumber().toString(16)
        + ", notAfter="
        + notAfter()
        + "]";
  }
}
