package io.outrigger.controlplane.kube;

import java.time.Duration;

/**
 * The leader Lease's timings. A holder renews every {@code retryPeriod} and gives up leading when
 * it has not renewed for {@code renewDeadline}; a candidate retries every {@code retryPeriod}
 * (fabric8 adds up to 20 % jitter) and takes the Lease once it is {@code leaseDuration} old. So
 * after the holder dies the other replica leads within {@code leaseDuration + 1.2 × retryPeriod};
 * with the defaults 6 s + 1.2 s, well inside the 15 s the mesh promises. Each replica writes the
 * Lease about once a second.
 */
public record LeaderTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

  public static final LeaderTimings DEFAULT =
      new LeaderTimings(Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(1));

  public LeaderTimings {
    if (!(retryPeriod.isPositive()
        && retryPeriod.compareTo(renewDeadline) < 0
        && renewDeadline.compareTo(leaseDuration) < 0)) {
      throw new IllegalArgumentException(
          "leader election: need 0 < retry period ("
              + retryPeriod
              + ") < renew deadline ("
              + renewDeadline
              + ") < lease duration ("
              + leaseDuration
              + ")");
    }
  }

  /** The longest a dead holder's writes wait for a new leader. */
  public Duration worstTakeover() {
    return leaseDuration.plus(retryPeriod.multipliedBy(6).dividedBy(5));
  }
}
