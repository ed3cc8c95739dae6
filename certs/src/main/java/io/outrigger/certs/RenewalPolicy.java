package io.outrigger.certs;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a leaf must be renewed: at half its life, moved by a random jitter so that certificates
 * issued together (every sidecar after a control plane restart) do not all renew together.
 *
 * @param jitterFraction the renewal point is spread uniformly over ±this fraction of the life
 *     around the half-way point; 0.05 means between 45 % and 55 % of the life
 */
public record RenewalPolicy(double jitterFraction) {

  public RenewalPolicy {
    if (jitterFraction < 0 || jitterFraction >= 0.5) {
      throw new IllegalArgumentException("renewal policy: jitter fraction " + jitterFraction + " must be in [0, 0.5)");
    }
  }

  public static RenewalPolicy defaults() {
    return new RenewalPolicy(0.05);
  }

  public Instant renewAt(X509Certificate leaf) {
    Instant notBefore = leaf.getNotBefore().toInstant();
    Duration life = Duration.between(notBefore, leaf.getNotAfter().toInstant());
    double jitter = jitterFraction == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitterFraction, jitterFraction);
    return notBefore.plusMillis((long) (life.toMillis() * (0.5 + jitter)));
  }

  public boolean mustRenew(X509Certificate leaf, Instant now) {
    return !now.isBefore(renewAt(leaf));
  }
}
