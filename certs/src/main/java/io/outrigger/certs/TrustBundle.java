package io.outrigger.certs;

import io.outrigger.certs.x509.Pem;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every root in force. During a root rotation it holds the new root and the old one, so SVIDs from
 * either verify; dropping the old root ends the overlap.
 */
public record TrustBundle(List<X509Certificate> roots) {

  public TrustBundle {
    Objects.requireNonNull(roots, "roots");
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("trust bundle: at least one root is required");
    }
    roots = List.copyOf(roots);
  }

  /** The roots as concatenated PEM (the {@code root-cert.pem} / {@code ROOTCA} content). */
  public String pem() {
    return Pem.certificates(roots);
  }

  /** PKIX trust anchors, for {@link java.security.cert.CertPathValidator}. */
  public Set<TrustAnchor> anchors() {
    return roots.stream()
        .map(r -> new TrustAnchor(r, null))
        .collect(Collectors.toUnmodifiableSet());
  }

  public boolean contains(X509Certificate root) {
    return roots.contains(root);
  }
}
