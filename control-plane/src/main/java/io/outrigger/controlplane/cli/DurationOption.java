package io.outrigger.controlplane.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations on the command line: {@code 100ms}, {@code 30s}, {@code 1h}, {@code 2d}, or ISO-8601.
 */
final class DurationOption implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern AMOUNT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    Matcher m = AMOUNT.matcher(value.strip());
    if (!m.matches()) {
      try {
        return Duration.parse(value.strip());
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is not a duration: use a number with ms, s, m, h or d (e.g. 100ms, 1h)");
      }
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
