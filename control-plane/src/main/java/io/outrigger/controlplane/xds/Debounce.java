package io.outrigger.controlplane.xds;

import java.time.Duration;

/**
 * How changes are batched before a push: wait for {@code quiet} without a new change, but never
 * longer than {@code max} after the first one, so a steady trickle of changes still gets pushed.
 */
public record Debounce(Duration quiet, Duration max) {
  public static final Debounce DEFAULT =
      new Debounce(Duration.ofMillis(100), Duration.ofSeconds(1));

  public Debounce {
    if (quiet.isNegative() || max.compareTo(quiet) < 0) {
      throw new IllegalArgumentException(
          "debounce: quiet " + quiet + " must be >= 0 and max " + max + " must be >= quiet");
    }
  }
}
