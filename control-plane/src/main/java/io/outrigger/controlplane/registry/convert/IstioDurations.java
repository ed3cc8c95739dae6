package io.outrigger.controlplane.registry.convert;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Istio's duration strings ("10s", "0.5s", "250ms", "1m", "1h"). */
final class IstioDurations {
  private static final Pattern DURATION = Pattern.compile("^(\\d+(?:\\.\\d+)?)(h|m|s|ms)$");

  private IstioDurations() {}

  /** Null or empty means unset: zero, no timeout. */
  static Duration parse(String value, String where) throws InvalidConfigException {
    if (value == null || value.isBlank()) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches()) {
      throw new InvalidConfigException(
          where + ": \"" + value + "\" is not a duration (like 10s, 250ms, 1m)");
    }
    BigDecimal amount = new BigDecimal(m.group(1));
    long millisPerUnit =
        switch (m.group(2)) {
          case "h" -> 3_600_000L;
          case "m" -> 60_000L;
          case "s" -> 1_000L;
          default -> 1L;
        };
    return Duration.ofMillis(amount.multiply(BigDecimal.valueOf(millisPerUnit)).longValue());
  }
}
