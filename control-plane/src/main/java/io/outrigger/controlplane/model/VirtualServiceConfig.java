package io.outrigger.controlplane.model;

import java.util.List;

/**
 * A validated VirtualService: hosts resolved to FQDNs, HTTP, TCP and TLS routes in the order
 * written.
 */
public record VirtualServiceConfig(
    String namespace,
    String name,
    List<String> hosts,
    List<HttpRouteRule> http,
    List<L4RouteRule> tcp,
    List<L4RouteRule> tls) {
  public VirtualServiceConfig {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
    tcp = List.copyOf(tcp);
    tls = List.copyOf(tls);
  }

  /** HTTP routes only. */
  public VirtualServiceConfig(
      String namespace, String name, List<String> hosts, List<HttpRouteRule> http) {
    this(namespace, name, hosts, http, List.of(), List.of());
  }
}
