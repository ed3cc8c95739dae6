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
      throw new IllegalArgumentException(
          "renewal policy: jitter fraction " + jitterFraction + " must be in [0, 0.5)");
    }
  }

  public static RenewalPolicy defaults() {
    return new RenewalPolicy(0.05);
  }

  /** As {@link #renewAt(X509Certificate, Instant)}, counting the life from the leaf's notBefore. */
  public Instant renewAt(X509Certificate leaf) {
    return renewAt(leaf, leaf.getNotBefore().toInstant());
  }

  /**
   * When to renew a leaf its holder received at {@code receivedAt}. The life counts from then, not
   * from notBefore: a CA sets notBefore in the past for clock skew (a minute here), and for a
   * short-lived leaf half of "backdate + TTL" can already be over when it arrives, which would
   * renew it at once, and again, forever.
   */
  public Instant renewAt(X509Certificate leaf, Instant receivedAt) {
    Instant from =
        receivedAt.isAfter(leaf.getNotBefore().toInstant())
            ? receivedAt
            : leaf.getNotBefore().toInstant();
    Duration life = Duration.between(from, leaf.getNotAfter().toInstant());
    double jitter =
        jitterFraction == 0
            ? 0
            : ThreadLocalRandom.current().nextDouble(-jitterFraction, jitterFraction);
    return from.plusMillis((long) (life.toMillis() * (0.5 + jitter)));
  }

  public boolean mustRenew(X509Certificate leaf, Instant now) {
    return !now.isBefore(renewAt(leaf));
  }
}
