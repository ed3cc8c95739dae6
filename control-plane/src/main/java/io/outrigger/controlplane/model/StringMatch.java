package io.outrigger.controlplane.model;

/**
 * An Istio StringMatch: exactly one of exact, prefix or regex (RE2 syntax, matched against the
 * whole value).
 */
public record StringMatch(Kind kind, String value) {
  public enum Kind {
    EXACT,
    PREFIX,
    REGEX
  }

  public static StringMatch exact(String value) {
    return new StringMatch(Kind.EXACT, value);
  }

  public static StringMatch prefix(String value) {
    return new StringMatch(Kind.PREFIX, value);
  }

  public static StringMatch regex(String value) {
    return new StringMatch(Kind.REGEX, value);
  }
}
