package io.outrigger.controlplane.generate;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.Map;
import java.util.Set;

/**
 * Everything one proxy is to receive except secrets, per xDS type URL: resource name to versioned
 * resource. The maps are immutable; most of their content is shared with other proxies.
 */
public record ProxyResources(Map<String, Map<String, VersionedResource>> byType) {
  public static final String LISTENER = Resources.V3.LISTENER_TYPE_URL;
  public static final String ROUTE = Resources.V3.ROUTE_TYPE_URL;
  public static final String CLUSTER = Resources.V3.CLUSTER_TYPE_URL;
  public static final String ENDPOINT = Resources.V3.ENDPOINT_TYPE_URL;

  public ProxyResources {
    byType = Map.copyOf(byType);
  }

  public Map<String, VersionedResource> resources(String typeUrl) {
    return byType.getOrDefault(typeUrl, Map.of());
  }

  public Set<String> typeUrls() {
    return byType.keySet();
  }

  public Map<String, VersionedResource> listeners() {
    return resources(LISTENER);
  }

  public Map<String, VersionedResource> routes() {
    return resources(ROUTE);
  }

  public Map<String, VersionedResource> clusters() {
    return resources(CLUSTER);
  }

  public Map<String, VersionedResource> endpoints() {
    return resources(ENDPOINT);
  }
}
