package io.outrigger.controlplane.model;

import java.util.List;

/** A validated VirtualService: hosts resolved to FQDNs, HTTP routes in the order written. */
public record VirtualServiceConfig(
    String namespace, String name, List<String> hosts, List<HttpRouteRule> http) {
  public VirtualServiceConfig {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
  }
}
