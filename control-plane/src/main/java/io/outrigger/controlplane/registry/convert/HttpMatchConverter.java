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
    if (m.getAuthority() != null) {
      headers.put(":authority", stringMatch(m.getAuthority(), where + ".authority"));
    }
    if (m.getScheme() != null) {
      headers.put(":scheme", stringMatch(m.getScheme(), where + ".scheme"));
    }
    Map<String, StringMatch> query = new LinkedHashMap<>();
    if (m.getQueryParams() != null) {
      for (var e : m.getQueryParams().entrySet()) {
        query.put(e.getKey(), stringMatch(e.getValue(), where + ".queryParams." + e.getKey()));
      }
    }
    int port = 0;
    if (m.getPort() != null) {
      if (m.getPort() < 1 || m.getPort() > 65535) {
        throw new InvalidConfigException(where + ".port: " + m.getPort() + " is not in 1..65535");
      }
      port = m.getPort().intValue();
    }
    String sourceNamespace =
        m.getSourceNamespace() == null || m.getSourceNamespace().isEmpty()
            ? null
            : m.getSourceNamespace();
    return new HttpMatch(
        uri, headers, query, Boolean.TRUE.equals(m.getIgnoreUriCase()), port, sourceNamespace);
  }

  /**
   * Ignoring a condition would widen the match and send traffic where the author did not mean it to
   * go.
   */
  private static void rejectUnsupported(HTTPMatchRequest m, String where)
      throws InvalidConfigException {
    if (m.getWithoutHeaders() != null && !m.getWithoutHeaders().isEmpty()) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          where + ".withoutHeaders is not supported by Outrigger yet");
    }
    if (m.getSourceLabels() != null && !m.getSourceLabels().isEmpty()) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          where
              + ".sourceLabels is not supported by Outrigger yet: routes are shared by the"
              + " sidecars of a namespace (sourceNamespace works)");
    }
    if (m.getGateways() != null
        && !m.getGateways().isEmpty()
        && !m.getGateways().equals(java.util.List.of("mesh"))) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          where + ".gateways is not supported: Outrigger has no gateways");
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
