package io.outrigger.controlplane.generate.route;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfigurationOrBuilder;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.HttpRouteConfig.Match;
import io.outrigger.controlplane.model.HttpRouteConfig.PathModifier;
import io.outrigger.controlplane.model.HttpRouteConfig.Rule;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.StringMatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Envoy routes of a Service port that Gateway API HTTPRoutes are attached to (GAMMA). Which
 * routes apply depends on the client: routes in the client's own namespace that name a Service of
 * another namespace (consumer routes) replace the Service's own (producer routes, in its
 * namespace). The matches of every applying route are ordered as the Gateway API says: Exact path,
 * then the longest PathPrefix, then a method, then the most headers, then the most query
 * parameters; ties go to the older route, then by namespace/name, then to the earlier rule and
 * match. A request no match takes gets Envoy's 404, as the spec asks.
 *
 * <p>An attached HTTPRoute takes precedence over a VirtualService for the same Service port: the
 * GAMMA spec makes the route the Service's routing, and mixing two rule lists whose order neither
 * author chose would be worse.
 */
final class MeshHttpRoutes {
  /** A backend that does not resolve: no such cluster, so Envoy answers its share with a 500. */
  static final String INVALID_BACKEND_CLUSTER = "outrigger-invalid-backend";

  private static final Duration NO_TIMEOUT = Duration.getDefaultInstance();

  private MeshHttpRoutes() {}

  private record Entry(
      HttpRouteConfig route, int ruleIndex, int matchIndex, Rule rule, Match match) {}

  private static final Comparator<Entry> PRECEDENCE =
      Comparator.<Entry>comparingInt(e -> pathRank(e.match().path()))
          .thenComparing(e -> -prefixLength(e.match().path()))
          .thenComparing(e -> e.match().method().isEmpty() ? 1 : 0)
          .thenComparing(e -> -e.match().headers().size())
          .thenComparing(e -> -e.match().queryParams().size())
          .thenComparing(e -> e.route().created())
          .thenComparing(e -> e.route().namespace() + "/" + e.route().name())
          .thenComparingInt(Entry::ruleIndex)
          .thenComparingInt(Entry::matchIndex);

  /**
   * The routes for requests to {@code service}:{@code port} from a proxy in {@code proxyNamespace};
   * empty when no HTTPRoute applies there (a VirtualService or the default route then does).
   */
  static Optional<List<Route>> routes(
      Service service, int port, String proxyNamespace, MeshConfig mesh) {
    List<HttpRouteConfig> attached =
        mesh.httpRoutes().stream()
            .filter(r -> r.attachments().stream().anyMatch(a -> a.covers(service.hostname(), port)))
            .toList();
    if (attached.isEmpty()) {
      return Optional.empty();
    }
    List<HttpRouteConfig> consumer =
        attached.stream()
            .filter(r -> r.namespace().equals(proxyNamespace) && !r.producerOf(service.namespace()))
            .toList();
    List<HttpRouteConfig> chosen =
        !consumer.isEmpty()
            ? consumer
            : attached.stream().filter(r -> r.producerOf(service.namespace())).toList();
    if (chosen.isEmpty()) {
      return Optional.empty();
    }
    List<Entry> entries = new ArrayList<>();
    for (HttpRouteConfig route : chosen) {
      for (int r = 0; r < route.rules().size(); r++) {
        Rule rule = route.rules().get(r);
        for (int m = 0; m < rule.matches().size(); m++) {
          entries.add(new Entry(route, r, m, rule, rule.matches().get(m)));
        }
      }
    }
    entries.sort(PRECEDENCE);
    List<Route> routes = new ArrayList<>();
    for (Entry e : entries) {
      routes.add(route(e));
    }
    return Optional.of(routes);
  }

  /**
   * True when a route of {@code config} sends a share of requests to a backend that does not
   * resolve.
   */
  static boolean referencesInvalidBackend(RouteConfigurationOrBuilder config) {
    return config.getVirtualHostsList().stream()
        .flatMap(v -> v.getRoutesList().stream())
        .filter(Route::hasRoute)
        .flatMap(r -> r.getRoute().getWeightedClusters().getClustersList().stream())
        .anyMatch(c -> c.getName().equals(INVALID_BACKEND_CLUSTER));
  }

  private static int pathRank(StringMatch path) {
    return switch (path.kind()) {
      case EXACT -> 0;
      case REGEX -> 1;
      case PREFIX -> 2;
    };
  }

  private static int prefixLength(StringMatch path) {
    return path.kind() == StringMatch.Kind.PREFIX ? path.value().length() : 0;
  }

  private static Route route(Entry e) {
    Rule rule = e.rule();
    Route.Builder route =
        Route.newBuilder()
            .setName(
                e.route().namespace()
                    + "."
                    + e.route().name()
                    + "."
                    + e.ruleIndex()
                    + "."
                    + e.matchIndex())
            .setMatch(match(e.match()));
    // Header changes only: reuses the VirtualService shapes (set overwrites, add appends).
    RoutePolicies.applyToRoute(headersOnly(rule.requestHeaders(), rule.responseHeaders()), route);
    if (rule.redirect().isPresent()) {
      return route.setRedirect(redirect(rule.redirect().get(), e.match().path())).build();
    }
    List<Integer> weighted = new ArrayList<>();
    for (int b = 0; b < rule.backends().size(); b++) {
      if (rule.backends().get(b).weight() > 0) {
        weighted.add(b);
      }
    }
    if (weighted.stream().allMatch(b -> rule.backends().get(b).host().isEmpty())) {
      // The spec: no backend to send to (none written, all weights zero, none resolves) is a 500.
      return route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500)).build();
    }
    RouteAction.Builder action = RouteAction.newBuilder().setTimeout(timeout(rule));
    if (weighted.size() == 1) {
      int only = weighted.getFirst();
      action.setCluster(clusterOf(rule.backends().get(only)));
      // One backend: its own filters act on the route, after the rule's.
      HttpRouteConfig.BackendFilters filters = rule.backendFilters().get(only);
      RoutePolicies.applyToRoute(
          headersOnly(filters.requestHeaders(), filters.responseHeaders()), route);
    } else {
      WeightedCluster.Builder clusters = WeightedCluster.newBuilder();
      for (int b : weighted) {
        RouteDestination d = rule.backends().get(b);
        HttpRouteConfig.BackendFilters filters = rule.backendFilters().get(b);
        WeightedCluster.ClusterWeight.Builder cluster =
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(clusterOf(d))
                .setWeight(UInt32Value.of(d.weight()));
        RoutePolicies.addHeaders(
            filters.requestHeaders(),
            cluster::addRequestHeadersToAdd,
            cluster::addAllRequestHeadersToRemove);
        RoutePolicies.addHeaders(
            filters.responseHeaders(),
            cluster::addResponseHeadersToAdd,
            cluster::addAllResponseHeadersToRemove);
        clusters.addClusters(cluster);
      }
      action.setWeightedClusters(clusters);
      if (weighted.stream().anyMatch(b -> rule.backends().get(b).host().isEmpty())) {
        action.setClusterNotFoundResponseCode(
            RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
      }
    }
    for (HttpRoutePolicy.Mirror m : rule.mirrors()) {
      action.addRequestMirrorPolicies(
          RouteAction.RequestMirrorPolicy.newBuilder()
              .setCluster(clusterOf(m.destination()))
              .setRuntimeFraction(
                  RuntimeFractionalPercent.newBuilder()
                      .setDefaultValue(
                          FractionalPercent.newBuilder()
                              .setNumerator((int) Math.round(m.percent() * 10_000))
                              .setDenominator(FractionalPercent.DenominatorType.MILLION))));
    }
    rule.rewrite()
        .ifPresent(
            r -> {
              if (!r.hostname().isEmpty()) {
                action.setHostRewriteLiteral(r.hostname());
              }
              if (r.path() != null) {
                rewritePath(r.path(), e.match().path(), action);
              }
            });
    return route.setRoute(action).build();
  }

  private static HttpRoutePolicy headersOnly(
      HttpRoutePolicy.HeaderOperations request, HttpRoutePolicy.HeaderOperations response) {
    return new HttpRoutePolicy(
        Optional.empty(),
        Optional.empty(),
        request,
        response,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /**
   * Gateway API: {@code request} bounds the whole request, {@code backendRequest} one attempt; with
   * no retries configured the shorter one is the bound.
   */
  private static Duration timeout(Rule rule) {
    java.time.Duration request = rule.requestTimeout();
    java.time.Duration backend = rule.backendRequestTimeout();
    java.time.Duration bound =
        request.isZero()
            ? backend
            : backend.isZero() ? request : (backend.compareTo(request) < 0 ? backend : request);
    return bound.isZero()
        ? NO_TIMEOUT
        : Duration.newBuilder().setSeconds(bound.getSeconds()).setNanos(bound.getNano()).build();
  }

  private static String clusterOf(RouteDestination d) {
    return d.host().isEmpty()
        ? INVALID_BACKEND_CLUSTER
        : ResourceNames.outboundCluster(d.port(), d.subset(), d.host());
  }

  private static RouteMatch match(Match m) {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    StringMatch path = m.path();
    switch (path.kind()) {
      case EXACT -> match.setPath(path.value());
      case REGEX -> match.setSafeRegex(RegexMatcher.newBuilder().setRegex(path.value()));
      case PREFIX -> {
        String prefix = trimTrailingSlash(path.value());
        if (prefix.equals("/")) {
          match.setPrefix("/");
        } else {
          // Element-wise, as the Gateway API's PathPrefix: /v2 matches /v2 and /v2/x, not /v2x.
          match.setPathSeparatedPrefix(prefix);
        }
      }
    }
    if (!m.method().isEmpty()) {
      match.addHeaders(
          HeaderMatcher.newBuilder()
              .setName(":method")
              .setStringMatch(StringMatcher.newBuilder().setExact(m.method())));
    }
    m.headers().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            h ->
                match.addHeaders(
                    HeaderMatcher.newBuilder()
                        .setName(h.getKey())
                        .setStringMatch(RouteMatches.stringMatcher(h.getValue()))));
    m.queryParams().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            q ->
                match.addQueryParameters(
                    QueryParameterMatcher.newBuilder()
                        .setName(q.getKey())
                        .setStringMatch(RouteMatches.stringMatcher(q.getValue()))));
    return match.build();
  }

  private static RedirectAction redirect(HttpRouteConfig.Redirect r, StringMatch matched) {
    RedirectAction.Builder redirect =
        RedirectAction.newBuilder()
            .setResponseCode(RoutePolicies.REDIRECT_CODES.get(r.statusCode()));
    if (!r.scheme().isEmpty()) {
      redirect.setSchemeRedirect(r.scheme());
    }
    if (!r.hostname().isEmpty()) {
      redirect.setHostRedirect(r.hostname());
    }
    if (r.port() > 0) {
      redirect.setPortRedirect(r.port());
    }
    PathModifier path = r.path();
    if (path != null) {
      if (path.replaceFullPath()) {
        redirect.setPathRedirect(path.value());
      } else {
        Optional<RegexMatchAndSubstitute> regex = prefixRegex(path.value(), matched);
        if (regex.isPresent()) {
          redirect.setRegexRewrite(regex.get());
        } else {
          redirect.setPrefixRewrite(path.value());
        }
      }
    }
    return redirect.build();
  }

  private static void rewritePath(
      PathModifier path, StringMatch matched, RouteAction.Builder action) {
    if (path.replaceFullPath()) {
      action.setRegexRewrite(
          RegexMatchAndSubstitute.newBuilder()
              .setPattern(RegexMatcher.newBuilder().setRegex("^/.*$"))
              .setSubstitution(path.value()));
      return;
    }
    Optional<RegexMatchAndSubstitute> regex = prefixRegex(path.value(), matched);
    if (regex.isPresent()) {
      action.setRegexRewrite(regex.get());
    } else {
      action.setPrefixRewrite(path.value());
    }
  }

  /**
   * Envoy's prefix rewrite keeps the separator after the matched prefix, so a replacement ending in
   * "/" (or a matched prefix of "/") would double it: then a regex over the prefix and the slashes
   * after it does the job ("/strip-prefix/x" with "/" gives "/x", "/strip-prefix" gives "/").
   */
  private static Optional<RegexMatchAndSubstitute> prefixRegex(
      String replacement, StringMatch matched) {
    String prefix = trimTrailingSlash(matched.value());
    if (prefix.equals("/")) {
      return Optional.of(
          RegexMatchAndSubstitute.newBuilder()
              .setPattern(RegexMatcher.newBuilder().setRegex("^/"))
              .setSubstitution(replacement.endsWith("/") ? replacement : replacement + "/")
              .build());
    }
    if (!replacement.endsWith("/")) {
      return Optional.empty();
    }
    return Optional.of(
        RegexMatchAndSubstitute.newBuilder()
            .setPattern(RegexMatcher.newBuilder().setRegex("^" + Pattern.quote(prefix) + "/*"))
            .setSubstitution(replacement)
            .build());
  }

  private static String trimTrailingSlash(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
