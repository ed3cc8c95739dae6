package io.outrigger.controlplane.model;

/**
 * A weighted destination of an HTTP route. {@code host} is the resolved FQDN, {@code subset} is
 * empty for the whole service, {@code port} is the resolved service port.
 */
public record RouteDestination(String host, String subset, int port, int weight) {
  public RouteDestination {
    subset = subset == null ? "" : subset;
  }
}
