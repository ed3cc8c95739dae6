package io.outrigger.controlplane.model;

import java.util.List;

/**
 * A validated VirtualService: hosts resolved to FQDNs, HTTP routes in the order written, and the
 * namespaces whose proxies it applies to.
 */
public record VirtualServiceConfig(
    String namespace,
    String name,
    List<String> hosts,
    List<HttpRouteRule> http,
    ExportTo exportTo) {
  public VirtualServiceConfig {
    hosts = List.copyOf(hosts);
    http = List.copyOf(http);
    exportTo = exportTo == null ? ExportTo.EVERYWHERE : exportTo;
  }

  public VirtualServiceConfig(
      String namespace, String name, List<String> hosts, List<HttpRouteRule> http) {
    this(namespace, name, hosts, http, ExportTo.EVERYWHERE);
  }
}
