package io.outrigger.controlplane.model;

import java.util.List;

/**
 * A validated VirtualService: hosts resolved to FQDNs, HTTP, TCP and TLS routes in the order
 * written, and the namespaces whose proxies it applies to.
 */
public record VirtualServiceConfig(
    String namespace,
    String name,
    List<String> hosts,
    List<HttpRouteRule> http,
    List<L4RouteRule> tcp,
    List<L4RouteRule> tls,
    ExportTo exportTo) {
  public VirtualServiceConfig {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
    tcp = List.copyOf(tcp);
    tls = List.copyOf(tls);
    exportTo = exportTo == null ? ExportTo.EVERYWHERE : exportTo;
  }

  /** HTTP routes only, visible everywhere. */
  public VirtualServiceConfig(
      String namespace, String name, List<String> hosts, List<HttpRouteRule> http) {
    this(namespace, name, hosts, http, List.of(), List.of(), ExportTo.EVERYWHERE);
  }

  /** HTTP routes only. */
  public VirtualServiceConfig(
      String namespace,
      String name,
      List<String> hosts,
      List<HttpRouteRule> http,
      ExportTo exportTo) {
    this(namespace, name, hosts, http, List.of(), List.of(), exportTo);
  }

  /** HTTP, TCP and TLS routes, visible everywhere. */
  public VirtualServiceConfig(
      String namespace,
      String name,
      List<String> hosts,
      List<HttpRouteRule> http,
      List<L4RouteRule> tcp,
      List<L4RouteRule> tls) {
    this(namespace, name, hosts, http, tcp, tls, ExportTo.EVERYWHERE);
  }
}
