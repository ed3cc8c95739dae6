package io.outrigger.controlplane.generate.route;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.StringMatch;
import java.util.Map;

/**
 * Istio HTTPMatchRequest conditions as Envoy route matches (RE2 regexes, full-string as in Istio).
 */
final class RouteMatches {
  private RouteMatches() {}

  static RouteMatch of(HttpMatch match) {
    RouteMatch.Builder route = RouteMatch.newBuilder();
    StringMatch uri = match.uri();
    if (uri == null) {
      route.setPrefix("/");
    } else {
      switch (uri.kind()) {
        case EXACT -> route.setPath(uri.value());
        case PREFIX -> route.setPrefix(uri.value());
        case REGEX -> route.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.value()));
      }
    }
    if (match.ignoreUriCase()) {
      route.setCaseSensitive(com.google.protobuf.BoolValue.of(false));
    }
    match.queryParams().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            q ->
                route.addQueryParameters(
                    QueryParameterMatcher.newBuilder()
                        .setName(q.getKey())
                        .setStringMatch(stringMatcher(q.getValue()))));
    match.headers().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            h ->
                route.addHeaders(
                    HeaderMatcher.newBuilder()
                        .setName(h.getKey())
                        .setStringMatch(stringMatcher(h.getValue()))));
    // Istio's withoutHeaders: inverted matchers, a missing header counting as empty unless the
    // condition is presence; all header matchers sorted by name, as Istio orders them.
    for (HttpMatch.WithoutHeader h : match.withoutHeaders()) {
      HeaderMatcher.Builder matcher =
          HeaderMatcher.newBuilder().setName(h.name()).setInvertMatch(true);
      if (h.value() == null) {
        matcher.setPresentMatch(true);
      } else {
        matcher.setStringMatch(stringMatcher(h.value())).setTreatMissingHeaderAsEmpty(true);
      }
      route.addHeaders(matcher);
    }
    return route.build();
  }

  static StringMatcher stringMatcher(StringMatch match) {
    return switch (match.kind()) {
      case EXACT -> StringMatcher.newBuilder().setExact(match.value()).build();
      case PREFIX -> StringMatcher.newBuilder().setPrefix(match.value()).build();
      case REGEX ->
          StringMatcher.newBuilder()
              .setSafeRegex(RegexMatcher.newBuilder().setRegex(match.value()))
              .build();
    };
  }
}
