package io.outrigger.controlplane.model;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a VirtualService HTTP route does besides choosing destinations: retries, fault injection,
 * header manipulation, mirroring, rewrite, redirect and CORS. An empty optional is "not set"
 * (Envoy's default).
 */
public record HttpRoutePolicy(
    Optional<Retry> retry,
    Optional<Fault> fault,
    HeaderOperations requestHeaders,
    HeaderOperations responseHeaders,
    List<Mirror> mirrors,
    Optional<Rewrite> rewrite,
    Optional<Redirect> redirect,
    Optional<Cors> cors,
    Optional<DirectResponse> directResponse) {
  public static final HttpRoutePolicy NONE =
      new HttpRoutePolicy(
          Optional.empty(),
          Optional.empty(),
          HeaderOperations.NONE,
          HeaderOperations.NONE,
          List.of(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty());

  /** What a route without a VirtualService (or without {@code retries}) does: Istio's default. */
  public static final HttpRoutePolicy DEFAULT_ROUTE =
      NONE.withRetry(Optional.of(Retry.ISTIO_DEFAULT));

  public HttpRoutePolicy {
    mirrors = List.copyOf(mirrors);
  }

  /** With at most one mirror (Istio's {@code mirror}; {@code mirrors} holds several). */
  public HttpRoutePolicy(
      Optional<Retry> retry,
      Optional<Fault> fault,
      HeaderOperations requestHeaders,
      HeaderOperations responseHeaders,
      Optional<Mirror> mirror,
      Optional<Rewrite> rewrite,
      Optional<Redirect> redirect,
      Optional<Cors> cors) {
    this(
        retry,
        fault,
        requestHeaders,
        responseHeaders,
        mirror.stream().toList(),
        rewrite,
        redirect,
        cors,
        Optional.empty());
  }

  public HttpRoutePolicy withRetry(Optional<Retry> newRetry) {
    return new HttpRoutePolicy(
        newRetry,
        fault,
        requestHeaders,
        responseHeaders,
        mirrors,
        rewrite,
        redirect,
        cors,
        directResponse);
  }

  /** Istio's corsPolicy; {@code maxAge} zero and {@code allowCredentials} null are not set. */
  public record Cors(
      List<StringMatch> allowOrigins,
      List<String> allowMethods,
      List<String> allowHeaders,
      List<String> exposeHeaders,
      Duration maxAge,
      Boolean allowCredentials) {
    public Cors {
      allowOrigins = List.copyOf(allowOrigins);
      allowMethods = List.copyOf(allowMethods);
      allowHeaders = List.copyOf(allowHeaders);
      exposeHeaders = List.copyOf(exposeHeaders);
      maxAge = maxAge == null ? Duration.ZERO : maxAge;
    }
  }

  /**
   * A retry policy in force ({@code attempts} at least 1; Istio's {@code attempts: 0} is no policy
   * at all). {@code retryOn} holds Envoy's conditions; {@code retriableStatusCodes} the numeric
   * entries of Istio's retryOn (they need "retriable-status-codes" among the conditions). {@code
   * otherHosts}: retry on a host not tried yet when there is one; {@code backoff} zero is Envoy's
   * default (25 ms).
   */
  public record Retry(
      int attempts,
      Duration perTryTimeout,
      List<String> retryOn,
      List<Integer> retriableStatusCodes,
      boolean otherHosts,
      Duration backoff) {
    /**
     * Istio's policy for a route whose VirtualService has no {@code retries} (and for a service
     * without a VirtualService): 2 retries on connection failures, refused streams, gRPC
     * unavailable and cancelled, and HTTP 503.
     */
    public static final Retry ISTIO_DEFAULT =
        new Retry(
            2,
            Duration.ZERO,
            List.of(
                "connect-failure",
                "refused-stream",
                "unavailable",
                "cancelled",
                "retriable-status-codes"),
            List.of(503),
            true,
            Duration.ZERO);

    public Retry {
      if (attempts < 1) {
        throw new IllegalArgumentException("retry attempts must be at least 1, not " + attempts);
      }
      perTryTimeout = perTryTimeout == null ? Duration.ZERO : perTryTimeout;
      backoff = backoff == null ? Duration.ZERO : backoff;
      retryOn = List.copyOf(retryOn);
      retriableStatusCodes = List.copyOf(retriableStatusCodes);
    }
  }

  /**
   * Percentages 0..100 (Istio's Percent); a zero delay or abort status means that half is not set.
   */
  public record Fault(Duration delay, double delayPercent, int abortStatus, double abortPercent) {
    public Fault {
      delay = delay == null ? Duration.ZERO : delay;
    }
  }

  /** Istio's set (overwrite), add (append) and remove, in written order. */
  public record HeaderOperations(
      Map<String, String> set, Map<String, String> add, List<String> remove) {
    public static final HeaderOperations NONE = new HeaderOperations(Map.of(), Map.of(), List.of());

    public HeaderOperations {
      set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
      add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
      remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
  }

  /**
   * Copies of the requests go to {@code destination} ({@code percent} of them, 0..100); responses
   * are dropped. Istio's {@code mirror} is one, its {@code mirrors} several.
   */
  public record Mirror(RouteDestination destination, double percent) {}

  /**
   * Empty strings are "keep as is"; {@code regexMatch} (RE2) with {@code regexSubstitution} is
   * Istio's uriRegexRewrite, instead of {@code uri}.
   */
  public record Rewrite(String uri, String authority, String regexMatch, String regexSubstitution) {
    public Rewrite(String uri, String authority) {
      this(uri, authority, "", "");
    }
  }

  /**
   * The route answers itself: Istio's directResponse, {@code body} empty for none (bytes, the
   * decoded form of Istio's {@code body.bytes} or the UTF-8 of {@code body.string}).
   */
  public record DirectResponse(int status, byte[] body) {
    public DirectResponse {
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DirectResponse d
          && d.status == status
          && java.util.Arrays.equals(d.body, body);
    }

    @Override
    public int hashCode() {
      return 31 * status + java.util.Arrays.hashCode(body);
    }

    @Override
    public String toString() {
      return "DirectResponse[status=" + status + ", body=" + body.length + " bytes]";
    }
  }

  /**
   * The route answers with a redirect instead of forwarding; empty strings keep the request's
   * value.
   */
  public record Redirect(String uri, String authority, String scheme, int port, int code) {}
}
