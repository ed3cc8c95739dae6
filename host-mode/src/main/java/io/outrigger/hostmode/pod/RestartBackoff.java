package io.outrigger.hostmode.pod;

import java.time.Duration;

/**
 * How long to wait before starting an exited container again: the kubelet's scheme with shorter
 * times (it starts at 10 s and caps at 5 minutes): 1 s, doubling per exit up to 30 s, and back to 1
 * s once the container had run for {@link #RESET_AFTER} before it exited, so a sidecar killed once
 * a day is not made to wait 30 s because of the kills of last week.
 */
final class RestartBackoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(30);
  static final Duration RESET_AFTER = Duration.ofMinutes(10);

  private Duration next = FIRST;

  /** The wait before the next start, for a container that ran {@code ranFor} before it exited. */
  Duration afterExit(Duration ranFor) {
    if (ranFor.compareTo(RESET_AFTER) >= 0) {
      next = FIRST;
    }
    Duration wait = next;
    next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
    return wait;
  }
}
