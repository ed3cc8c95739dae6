package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.StringMatch;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * HTTPMatchRequest to {@link HttpMatch}: uri, headers and method; other conditions are refused, not
 * ignored.
 */
final class HttpMatchConverter {
  private HttpMatchConverter() {}

  static HttpMatch convert(HTTPMatchRequest m, String where) throws InvalidConfigException {
    rejectUnsupported(m, where);
    StringMatch uri = m.getUri() == null ? null : stringMatch(m.getUri(), where + ".uri");
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (m.getHeaders() != null) {
      for (var e : m.getHeaders().entrySet()) {
        if (!e.getKey().equals(e.getKey().toLowerCase(Locale.ROOT))) {
          throw new InvalidConfigException(
              where + ".headers: header name \"" + e.getKey() + "\" must be lowercase");
        }
        headers.put(e.getKey(), stringMatch(e.getValue(), where + ".headers." + e.getKey()));
      }
    }
    if (m.getMethod() != null) {
      headers.put(":method", stringMatch(m.getMethod(), where + ".method"));
    }
    return new HttpMatch(uri, headers);
  }

  /**
   * Ignoring a condition would widen the match and send traffic where the author did not mean it to
   * go.
   */
  private static void rejectUnsupported(HTTPMatchRequest m, String where)
      throws InvalidConfigException {
    String unsupported =
        m.getQueryParams() != null && !m.getQueryParams().isEmpty()
            ? "queryParams"
            : m.getWithoutHeaders() != null && !m.getWithoutHeaders().isEmpty()
                ? "withoutHeaders"
                : m.getSourceLabels() != null && !m.getSourceLabels().isEmpty()
                    ? "sourceLabels"
                    : m.getSourceNamespace() != null
                        ? "sourceNamespace"
                        : m.getAuthority() != null
                            ? "authority"
                            : m.getScheme() != null
                                ? "scheme"
                                : m.getPort() != null
                                    ? "port"
                                    : Boolean.TRUE.equals(m.getIgnoreUriCase())
                                        ? "ignoreUriCase"
                                        : null;
    if (unsupported != null) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          where + "." + unsupported + " is not supported by Outrigger yet");
    }
  }

  static StringMatch stringMatch(
      io.fabric8.istio.api.api.networking.v1alpha3.StringMatch match, String where)
      throws InvalidConfigException {
    Object type = match == null ? null : match.getMatchType();
    if (type instanceof StringMatchExact exact && exact.getExact() != null) {
      return StringMatch.exact(exact.getExact());
    }
    if (type instanceof StringMatchPrefix prefix && prefix.getPrefix() != null) {
      return StringMatch.prefix(prefix.getPrefix());
    }
    if (type instanceof StringMatchRegex regex && regex.getRegex() != null) {
      checkRegex(regex.getRegex(), where);
      return StringMatch.regex(regex.getRegex());
    }
    throw new InvalidConfigException(where + ": needs exactly one of exact, prefix or regex");
  }

  /**
   * Envoy uses RE2; Java's syntax is a superset for the common cases, so this catches typos early.
   */
  static void checkRegex(String regex, String where) throws InvalidConfigException {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(
          where + ": regex \"" + regex + "\" is invalid: " + e.getDescription());
    }
    if (regex.contains("(?=")
        || regex.contains("(?!")
        || regex.contains("(?<=")
        || regex.contains("(?<!")
        || regex.matches(".*\\\\[1-9].*")) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          where
              + ": regex \""
              + regex
              + "\" uses lookaround or backreferences, which RE2 does not support");
    }
  }
}
