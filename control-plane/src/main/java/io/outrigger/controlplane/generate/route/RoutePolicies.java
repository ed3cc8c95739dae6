package io.outrigger.controlplane.generate.route;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.HttpRoutePolicy.HeaderOperations;
import io.outrigger.controlplane.model.TrafficPolicy;
import java.util.List;
import java.util.Map;

/**
 * A VirtualService route's policy (retries, fault, CORS, headers, mirror, rewrite, redirect) and
 * its destination's consistent hash, in the shapes Istio gives Envoy.
 */
final class RoutePolicies {
  /**
   * The name of the fault filter every outbound HTTP connection manager carries; routes configure
   * it.
   */
  static final String FAULT_FILTER = "envoy.filters.http.fault";

  /**
   * The CORS filter, likewise in every outbound HTTP connection manager and configured per route.
   */
  static final String CORS_FILTER = "envoy.filters.http.cors";

  private static final TypedExtensionConfig PREVIOUS_HOSTS =
      TypedExtensionConfig.newBuilder()
          .setName("envoy.retry_host_predicates.previous_hosts")
          .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance()))
          .build();

  /** HTTP redirect status codes as Envoy's enum (VirtualService and HTTPRoute redirects). */
  static final Map<Integer, RedirectAction.RedirectResponseCode> REDIRECT_CODES =
      Map.of(
          301, RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY,
          302, RedirectAction.RedirectResponseCode.FOUND,
          303, RedirectAction.RedirectResponseCode.SEE_OTHER,
          307, RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT,
          308, RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT);

  private RoutePolicies() {}

  /**
   * What the policy sets on the route itself: fault, header changes, a redirect instead of the
   * action.
   */
  static void applyToRoute(HttpRoutePolicy policy, Route.Builder route) {
    policy.fault().ifPresent(f -> route.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault(f))));
    policy.cors().ifPresent(c -> route.putTypedPerFilterConfig(CORS_FILTER, Any.pack(cors(c))));
    addHeaders(
        policy.requestHeaders(),
        route::addRequestHeadersToAdd,
        route::addAllRequestHeadersToRemove);
    addHeaders(
        policy.responseHeaders(),
        route::addResponseHeadersToAdd,
        route::addAllResponseHeadersToRemove);
    policy
        .redirect()
        .ifPresent(
            r -> {
              RedirectAction.Builder redirect =
                  RedirectAction.newBuilder().setResponseCode(REDIRECT_CODES.get(r.code()));
              if (!r.uri().isEmpty()) {
                redirect.setPathRedirect(r.uri());
              }
              if (!r.authority().isEmpty()) {
                redirect.setHostRedirect(r.authority());
              }
              if (!r.scheme().isEmpty()) {
                redirect.setSchemeRedirect(r.scheme());
              }
              if (r.port() > 0) {
                redirect.setPortRedirect(r.port());
              }
              route.setRedirect(redirect);
            });
  }

  /** What the policy sets on the forwarding action: retries, mirror, rewrite. */
  static void applyToAction(HttpRoutePolicy policy, RouteAction.Builder action) {
    policy.retry().ifPresent(r -> action.setRetryPolicy(retry(r)));
    policy
        .mirror()
        .ifPresent(
            m ->
                action.addRequestMirrorPolicies(
                    RouteAction.RequestMirrorPolicy.newBuilder()
                        .setCluster(
                            ResourceNames.outboundCluster(
                                m.destination().port(),
                                m.destination().subset(),
                                m.destination().host()))
                        .setRuntimeFraction(
                            RuntimeFractionalPercent.newBuilder()
                                .setDefaultValue(percent(m.percent())))));
    policy
        .rewrite()
        .ifPresent(
            r -> {
              if (!r.uri().isEmpty()) {
                action.setPrefixRewrite(r.uri());
              }
              if (!r.authority().isEmpty()) {
                action.setHostRewriteLiteral(r.authority());
              }
            });
  }

  /**
   * Istio's consistent hash of a DestinationRule goes on the routes to its host, the ring on the
   * cluster.
   */
  static void applyHash(TrafficPolicy.HashKey key, RouteAction.Builder action) {
    RouteAction.HashPolicy.Builder hash = RouteAction.HashPolicy.newBuilder();
    if (!key.header().isEmpty()) {
      hash.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(key.header()));
    } else if (!key.cookie().isEmpty()) {
      RouteAction.HashPolicy.Cookie.Builder cookie =
          RouteAction.HashPolicy.Cookie.newBuilder().setName(key.cookie());
      if (key.cookieTtl() != null) {
        cookie.setTtl(duration(key.cookieTtl()));
      }
      if (!key.cookiePath().isEmpty()) {
        cookie.setPath(key.cookiePath());
      }
      hash.setCookie(cookie);
    } else if (key.sourceIp()) {
      hash.setConnectionProperties(
          RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
    } else {
      hash.setQueryParameter(
          RouteAction.HashPolicy.QueryParameter.newBuilder().setName(key.queryParameter()));
    }
    action.addHashPolicy(hash);
  }

  /** Istio retries on another host when it can (previous_hosts, up to 5 host selections). */
  private static RetryPolicy retry(HttpRoutePolicy.Retry r) {
    RetryPolicy.Builder retry =
        RetryPolicy.newBuilder()
            .setRetryOn(String.join(",", r.retryOn()))
            .setNumRetries(UInt32Value.of(r.attempts()))
            .addAllRetriableStatusCodes(r.retriableStatusCodes())
            .addRetryHostPredicate(
                RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName(PREVIOUS_HOSTS.getName())
                    .setTypedConfig(PREVIOUS_HOSTS.getTypedConfig()))
            .setHostSelectionRetryMaxAttempts(5);
    if (!r.perTryTimeout().isZero()) {
      retry.setPerTryTimeout(duration(r.perTryTimeout()));
    }
    return retry.build();
  }

  private static CorsPolicy cors(HttpRoutePolicy.Cors c) {
    CorsPolicy.Builder cors = CorsPolicy.newBuilder();
    c.allowOrigins().forEach(o -> cors.addAllowOriginStringMatch(RouteMatches.stringMatcher(o)));
    if (!c.allowMethods().isEmpty()) {
      cors.setAllowMethods(String.join(",", c.allowMethods()));
    }
    if (!c.allowHeaders().isEmpty()) {
      cors.setAllowHeaders(String.join(",", c.allowHeaders()));
    }
    if (!c.exposeHeaders().isEmpty()) {
      cors.setExposeHeaders(String.join(",", c.exposeHeaders()));
    }
    if (!c.maxAge().isZero()) {
      cors.setMaxAge(Long.toString(c.maxAge().toSeconds()));
    }
    if (c.allowCredentials() != null) {
      cors.setAllowCredentials(BoolValue.of(c.allowCredentials()));
    }
    return cors.build();
  }

  private static HTTPFault fault(HttpRoutePolicy.Fault f) {
    HTTPFault.Builder fault = HTTPFault.newBuilder();
    if (!f.delay().isZero()) {
      fault.setDelay(
          FaultDelay.newBuilder()
              .setFixedDelay(duration(f.delay()))
              .setPercentage(percent(f.delayPercent())));
    }
    if (f.abortStatus() > 0) {
      fault.setAbort(
          FaultAbort.newBuilder()
              .setHttpStatus(f.abortStatus())
              .setPercentage(percent(f.abortPercent())));
    }
    return fault.build();
  }

  /** Istio's Percent (a double 0..100) as Envoy's fraction per million, so 0.1 % stays exact. */
  private static FractionalPercent percent(double value) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(value * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  /** Istio's set, add and remove as Envoy header options (routes and weighted clusters). */
  static void addHeaders(
      HeaderOperations ops,
      java.util.function.Consumer<HeaderValueOption> add,
      java.util.function.Consumer<List<String>> remove) {
    ops.set()
        .forEach((k, v) -> add.accept(header(k, v, HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
    ops.add()
        .forEach((k, v) -> add.accept(header(k, v, HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
    if (!ops.remove().isEmpty()) {
      remove.accept(ops.remove());
    }
  }

  private static HeaderValueOption header(String key, String value, HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
        .setAppendAction(action)
        .build();
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
