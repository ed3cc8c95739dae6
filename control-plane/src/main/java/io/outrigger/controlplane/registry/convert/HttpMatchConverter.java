package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * HTTPMatchRequest to {@link HttpMatch}: every condition Istio applies to sidecars; the ones on the
 * client (port, sourceNamespace, sourceLabels, gateways) are decided when a proxy's routes are
 * built.
 */
final class HttpMatchConverter {
  private HttpMatchConverter() {}

  static HttpMatch convert(HTTPMatchRequest m, String where) throws InvalidConfigException {
    StringMatch uri = m.getUri() == null ? null : stringMatch(m.getUri(), where + ".uri");
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (m.getHeaders() != null) {
      for (var e : m.getHeaders().entrySet()) {
        requireLowercase(e.getKey(), where + ".headers");
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
        uri,
        headers,
        query,
        Boolean.TRUE.equals(m.getIgnoreUriCase()),
        port,
        sourceNamespace,
        sourceLabels(m.getSourceLabels(), where),
        gateways(m.getGateways(), where),
        withoutHeaders(m, where));
  }

  /** A sourceLabels selector: label names and values as Kubernetes writes them, none empty. */
  static Map<String, String> sourceLabels(Map<String, String> labels, String where)
      throws InvalidConfigException {
    if (labels == null) {
      return Map.of();
    }
    for (var e : labels.entrySet()) {
      if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
        throw new InvalidConfigException(
            where + ".sourceLabels: \"" + e.getKey() + "\" needs a label name and a value");
      }
    }
    return labels;
  }

  static List<String> gateways(List<String> gateways, String where) throws InvalidConfigException {
    if (gateways == null) {
      return List.of();
    }
    for (String g : gateways) {
      if (g == null || g.isBlank()) {
        throw new InvalidConfigException(where + ".gateways: a gateway name is empty");
      }
    }
    return gateways;
  }

  /** Istio's inverted header matchers; an empty condition ({@code {}}) means "not present". */
  private static List<HttpMatch.WithoutHeader> withoutHeaders(HTTPMatchRequest m, String where)
      throws InvalidConfigException {
    List<HttpMatch.WithoutHeader> out = new ArrayList<>();
    if (m.getWithoutHeaders() != null) {
      for (var e : m.getWithoutHeaders().entrySet()) {
        requireLowercase(e.getKey(), where + ".withoutHeaders");
        String at = where + ".withoutHeaders." + e.getKey();
        StringMatch value =
            e.getValue() == null || e.getValue().getMatchType() == null
                ? null
                : stringMatch(e.getValue(), at);
        out.add(new HttpMatch.WithoutHeader(e.getKey(), value));
      }
    }
    return out;
  }

  private static void requireLowercase(String name, String where) throws InvalidConfigException {
    if (!name.equals(name.toLowerCase(Locale.ROOT))) {
      throw new InvalidConfigException(where + ": header name \"" + name + "\" must be lowercase");
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
