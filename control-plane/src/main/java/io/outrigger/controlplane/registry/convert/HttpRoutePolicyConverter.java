package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.CorsPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPBodyBytes;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPBodyString;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPDirectResponse;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjection;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortHttpStatus;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionDelayFixedDelay;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirect;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirectPort;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRetry;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HeadersHeaderOperations;
import io.fabric8.istio.api.api.networking.v1alpha3.Percent;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.HttpRoutePolicy.Fault;
import io.outrigger.controlplane.model.HttpRoutePolicy.HeaderOperations;
import io.outrigger.controlplane.model.HttpRoutePolicy.Redirect;
import io.outrigger.controlplane.model.HttpRoutePolicy.Retry;
import io.outrigger.controlplane.model.HttpRoutePolicy.Rewrite;
import io.outrigger.controlplane.model.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The actions of a VirtualService HTTP route other than its destinations, with Istio's defaults.
 */
final class HttpRoutePolicyConverter {
  /** Envoy's HTTP and gRPC retry conditions (x-envoy-retry-on and x-envoy-retry-grpc-on). */
  private static final Set<String> RETRY_CONDITIONS =
      Set.of(
          "5xx",
          "gateway-error",
          "reset",
          "reset-before-request",
          "connect-failure",
          "envoy-ratelimited",
          "retriable-4xx",
          "refused-stream",
          "retriable-status-codes",
          "retriable-headers",
          "http3-post-connect-failure",
          "cancelled",
          "deadline-exceeded",
          "internal",
          "resource-exhausted",
          "unavailable");

  private static final Map<Long, Integer> REDIRECT_CODES =
      Map.of(301L, 301, 302L, 302, 303L, 303, 307L, 307, 308L, 308);

  private HttpRoutePolicyConverter() {}

  static HttpRoutePolicy convert(
      HTTPRoute route, String where, List<HttpRoutePolicy.Mirror> mirrors)
      throws InvalidConfigException {
    var headers = route.getHeaders();
    return new HttpRoutePolicy(
        retry(route.getRetries(), where + ".retries"),
        fault(route.getFault(), where + ".fault"),
        headers == null
            ? HeaderOperations.NONE
            : operations(headers.getRequest(), where + ".headers.request"),
        headers == null
            ? HeaderOperations.NONE
            : operations(headers.getResponse(), where + ".headers.response"),
        mirrors,
        rewrite(route, where + ".rewrite"),
        redirect(route.getRedirect(), where + ".redirect"),
        cors(route.getCorsPolicy(), where + ".corsPolicy"),
        directResponse(route.getDirectResponse(), where + ".directResponse"));
  }

  private static Optional<HttpRoutePolicy.Cors> cors(CorsPolicy cors, String where)
      throws InvalidConfigException {
    if (cors == null) {
      return Optional.empty();
    }
    List<StringMatch> origins = new ArrayList<>();
    List<io.fabric8.istio.api.api.networking.v1alpha3.StringMatch> specOrigins =
        cors.getAllowOrigins() == null ? List.of() : cors.getAllowOrigins();
    for (int i = 0; i < specOrigins.size(); i++) {
      origins.add(
          HttpMatchConverter.stringMatch(specOrigins.get(i), where + ".allowOrigins[" + i + "]"));
    }
    // The deprecated allowOrigin: exact origins, "*" for any.
    for (String origin :
        cors.getAllowOrigin() == null ? List.<String>of() : cors.getAllowOrigin()) {
      origins.add(origin.equals("*") ? StringMatch.regex(".*") : StringMatch.exact(origin));
    }
    if (origins.isEmpty()) {
      throw new InvalidConfigException(
          where + ": allowOrigins is empty, so it would allow no origin");
    }
    return Optional.of(
        new HttpRoutePolicy.Cors(
            origins,
            list(cors.getAllowMethods()),
            list(cors.getAllowHeaders()),
            list(cors.getExposeHeaders()),
            IstioDurations.parse(cors.getMaxAge(), where + ".maxAge"),
            cors.getAllowCredentials()));
  }

  private static List<String> list(List<String> values) {
    return values == null ? List.of() : values;
  }

  /**
   * As Istio: no {@code retries} is Istio's default policy, {@code attempts: 0} none; a policy
   * starts from the default and takes what is written.
   */
  private static Optional<Retry> retry(HTTPRetry retry, String where)
      throws InvalidConfigException {
    if (retry == null) {
      return Optional.of(Retry.ISTIO_DEFAULT);
    }
    int attempts = retry.getAttempts() == null ? 0 : retry.getAttempts();
    if (attempts < 0) {
      throw new InvalidConfigException(where + ".attempts: " + attempts + " is negative");
    }
    if (attempts == 0) {
      return Optional.empty();
    }
    Duration perTry = IstioDurations.parse(retry.getPerTryTimeout(), where + ".perTryTimeout");
    Duration backoff = IstioDurations.parse(retry.getBackoff(), where + ".backoff");
    boolean otherHosts = !Boolean.FALSE.equals(retry.getRetryIgnorePreviousHosts());
    String written = retry.getRetryOn();
    if (written == null || written.isBlank()) {
      Retry d = Retry.ISTIO_DEFAULT;
      return Optional.of(
          new Retry(attempts, perTry, d.retryOn(), d.retriableStatusCodes(), otherHosts, backoff));
    }
    List<String> on = new ArrayList<>();
    List<Integer> codes = new ArrayList<>();
    for (String condition : written.split(",")) {
      String c = condition.trim().toLowerCase(Locale.ROOT);
      if (c.isEmpty()) {
        continue;
      }
      if (c.matches("\\d{3}")) {
        codes.add(Integer.parseInt(c));
      } else if (RETRY_CONDITIONS.contains(c)) {
        if (!on.contains(c)) {
          on.add(c);
        }
      } else {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED,
            where
                + ".retryOn: \""
                + condition.trim()
                + "\" is not an Envoy retry condition or an HTTP status code");
      }
    }
    if (!codes.isEmpty() && !on.contains("retriable-status-codes")) {
      on.add("retriable-status-codes");
    }
    return Optional.of(new Retry(attempts, perTry, on, codes, otherHosts, backoff));
  }

  private static Optional<Fault> fault(HTTPFaultInjection fault, String where)
      throws InvalidConfigException {
    if (fault == null) {
      return Optional.empty();
    }
    Duration delay = Duration.ZERO;
    double delayPercent = 0;
    if (fault.getDelay() != null) {
      if (!(fault.getDelay().getHttpDelayType() instanceof HTTPFaultInjectionDelayFixedDelay fixed)
          || fixed.getFixedDelay() == null) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED, where + ".delay: only fixedDelay is supported");
      }
      delay = IstioDurations.parse(fixed.getFixedDelay(), where + ".delay.fixedDelay");
      delayPercent =
          percent(
              fault.getDelay().getPercentage(), fault.getDelay().getPercent(), where + ".delay");
    }
    int status = 0;
    double abortPercent = 0;
    if (fault.getAbort() != null) {
      if (!(fault.getAbort().getErrorType() instanceof HTTPFaultInjectionAbortHttpStatus http)
          || http.getHttpStatus() == null) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED, where + ".abort: only httpStatus is supported");
      }
      status = http.getHttpStatus();
      if (status < 200 || status > 599) {
        throw new InvalidConfigException(
            where + ".abort.httpStatus: " + status + " is not in 200..599");
      }
      abortPercent = percent(fault.getAbort().getPercentage(), null, where + ".abort");
    }
    return Optional.of(new Fault(delay, delayPercent, status, abortPercent));
  }

  /** Istio: an unset percentage is 100 %. */
  static double percent(Percent percentage, Integer legacyPercent, String where)
      throws InvalidConfigException {
    double value =
        percentage != null && percentage.getValue() != null
            ? percentage.getValue()
            : legacyPercent != null ? legacyPercent : 100;
    if (value < 0 || value > 100) {
      throw new InvalidConfigException(where + ".percentage: " + value + " is not in 0..100");
    }
    return value;
  }

  private static HeaderOperations operations(HeadersHeaderOperations ops, String where)
      throws InvalidConfigException {
    if (ops == null) {
      return HeaderOperations.NONE;
    }
    Map<String, String> set = ops.getSet() == null ? Map.of() : ops.getSet();
    Map<String, String> add = ops.getAdd() == null ? Map.of() : ops.getAdd();
    List<String> remove = ops.getRemove() == null ? List.of() : ops.getRemove();
    for (String name : concat(set.keySet(), add.keySet(), remove)) {
      if (name.isBlank() || name.startsWith(":") || name.equalsIgnoreCase("host")) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED,
            where
                + ": header \""
                + name
                + "\" cannot be changed (pseudo-headers and Host are Envoy's; use rewrite.authority)");
      }
    }
    return new HeaderOperations(set, add, remove);
  }

  private static List<String> concat(Set<String> a, Set<String> b, List<String> c) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    all.addAll(c);
    return all;
  }

  private static Optional<Rewrite> rewrite(HTTPRoute route, String where)
      throws InvalidConfigException {
    var rewrite = route.getRewrite();
    if (rewrite == null) {
      return Optional.empty();
    }
    String uri = rewrite.getUri() == null ? "" : rewrite.getUri();
    if (!uri.isEmpty()
        && route.getMatch() != null
        && route.getMatch().stream()
            .anyMatch(
                m -> m.getUri() != null && m.getUri().getMatchType() instanceof StringMatchRegex)) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          where
              + ".uri: not supported with a uri regex "
              + "match (it replaces the matched prefix or exact path)");
    }
    String authority = rewrite.getAuthority() == null ? "" : rewrite.getAuthority();
    var regex = rewrite.getUriRegexRewrite();
    if (regex == null) {
      return Optional.of(new Rewrite(uri, authority));
    }
    if (!uri.isEmpty()) {
      throw new InvalidConfigException(where + ": uri and uriRegexRewrite cannot both be set");
    }
    if (regex.getMatch() == null || regex.getMatch().isEmpty()) {
      throw new InvalidConfigException(where + ".uriRegexRewrite.match: required");
    }
    HttpMatchConverter.checkRegex(regex.getMatch(), where + ".uriRegexRewrite.match");
    return Optional.of(
        new Rewrite(
            "", authority, regex.getMatch(), regex.getRewrite() == null ? "" : regex.getRewrite()));
  }

  /** Envoy's default limit on a direct response body (a route configuration setting). */
  static final int MAX_DIRECT_BODY = 4096;

  private static Optional<HttpRoutePolicy.DirectResponse> directResponse(
      HTTPDirectResponse direct, String where) throws InvalidConfigException {
    if (direct == null) {
      return Optional.empty();
    }
    long status = direct.getStatus() == null ? 0 : direct.getStatus();
    if (status < 200 || status > 599) {
      throw new InvalidConfigException(where + ".status: " + status + " is not in 200..599");
    }
    byte[] body = new byte[0];
    if (direct.getBody() != null) {
      Object specifier = direct.getBody().getSpecifier();
      if (specifier instanceof HTTPBodyString text && text.getString() != null) {
        body = text.getString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      } else if (specifier instanceof HTTPBodyBytes bytes && bytes.getBytes() != null) {
        try {
          body = java.util.Base64.getDecoder().decode(bytes.getBytes());
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigException(where + ".body.bytes: not base64");
        }
      } else {
        throw new InvalidConfigException(where + ".body: needs string or bytes");
      }
    }
    if (body.length > MAX_DIRECT_BODY) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          where
              + ".body: "
              + body.length
              + " bytes, more than Envoy's "
              + MAX_DIRECT_BODY
              + "-byte limit for a direct response");
    }
    return Optional.of(new HttpRoutePolicy.DirectResponse((int) status, body));
  }

  private static Optional<Redirect> redirect(HTTPRedirect redirect, String where)
      throws InvalidConfigException {
    if (redirect == null) {
      return Optional.empty();
    }
    int port = 0;
    if (redirect.getRedirectPort() instanceof HTTPRedirectPort p && p.getPort() != null) {
      port = p.getPort().intValue();
    } else if (redirect.getRedirectPort() != null) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED, where + ".derivePort is not supported (use port)");
    }
    long written = redirect.getRedirectCode() == null ? 301 : redirect.getRedirectCode();
    Integer code = REDIRECT_CODES.get(written);
    if (code == null) {
      throw new InvalidConfigException(
          where + ".redirectCode: " + written + " is not 301, 302, 303, 307 or 308");
    }
    String scheme = redirect.getScheme() == null ? "" : redirect.getScheme();
    if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidConfigException(where + ".scheme: \"" + scheme + "\" is not http or https");
    }
    return Optional.of(
        new Redirect(
            redirect.getUri() == null ? "" : redirect.getUri(),
            redirect.getAuthority() == null ? "" : redirect.getAuthority(),
            scheme,
            port,
            code));
  }
}
