package io.outrigger.controlplane.xds;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one proxy should have, per type URL and resource name. The push engine replaces a
 * proxy's snapshot as a whole and the streams diff it per resource. The per-type maps are taken as
 * given, not copied: they must not change, and may be views shared by many proxies' snapshots.
 */
public record ProxySnapshot(Map<String, Map<String, XdsResource>> byType) {

  public static final ProxySnapshot EMPTY = new ProxySnapshot(Map.of());

  public ProxySnapshot {
    byType = Map.copyOf(byType);
  }

  /** Builds a snapshot from lists, keyed by each resource's name. */
  public static ProxySnapshot of(Map<String, List<XdsResource>> resourcesByType) {
    Map<String, Map<String, XdsResource>> byType = new HashMap<>();
    resourcesByType.forEach((type, list) -> byType.put(type, byName(list)));
    return new ProxySnapshot(byType);
  }

  public static Map<String, XdsResource> byName(List<XdsResource> resources) {
    Map<String, XdsResource> byName = new HashMap<>();
    resources.forEach(r -> byName.put(r.name(), r));
    return Map.copyOf(byName);
  }

  public Map<String, XdsResource> resources(String typeUrl) {
    return byType.getOrDefault(typeUrl, Map.of());
  }
}
