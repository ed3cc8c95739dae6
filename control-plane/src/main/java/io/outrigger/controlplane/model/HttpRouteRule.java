package io.outrigger.controlplane.model;

import java.util.List;

/**
 * One entry of VirtualService.spec.http. The route applies when any of {@code matches} holds
 * (an empty list matches everything); traffic is split over {@code destinations} by weight.
 */
public record HttpRouteRule(String name, List<HttpMatch> matches, List<RouteDestination> destinations) {
    public HttpRouteRule {
        name = name == null ? "" : name;
        matches = List.copyOf(matches);
        destinations = List.copyOf(destinations);
    }
}
