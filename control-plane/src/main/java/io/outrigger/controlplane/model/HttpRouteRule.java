package io.outrigger.controlplane.model;

import java.time.Duration;
import java.util.List;

/**
 * One entry of VirtualService.spec.http. The route applies when any of {@code matches} holds (an
 * empty list matches everything); traffic is split over {@code destinations} by weight (none when
 * the policy redirects). {@code timeout} zero means none, Istio's default.
 */
public record HttpRouteRule(
    String name,
    List<HttpMatch> matches,
    List<RouteDestination> destinations,
    Duration timeout,
    HttpRoutePolicy policy) {
  public HttpRouteRule {
    name = name == null ? "" : name;
    matches = List.copyOf(matches);
    destinations = List.copyOf(destinations);
    timeout = timeout == null ? Duration.ZERO : timeout;
    policy = policy == null ? HttpRoutePolicy.NONE : policy;
  }

  public HttpRouteRule(
      String name, List<HttpMatch> matches, List<RouteDestination> destinations, Duration timeout) {
    this(name, matches, destinations, timeout, HttpRoutePolicy.NONE);
  }

  public HttpRouteRule(String name, List<HttpMatch> matches, List<RouteDestination> destinations) {
    this(name, matches, destinations, Duration.ZERO);
  }
}
