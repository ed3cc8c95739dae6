package io.outrigger.controlplane.xds;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one proxy should have, per type URL and resource name. Immutable; the push engine
 * replaces a proxy's snapshot as a whole and the streams diff it per resource.
 */
public record ProxySnapshot(Map<String, Map<String, XdsResource>> byType) {

  public static final ProxySnapshot EMPTY = new ProxySnapshot(Map.of());

  public ProxySnapshot {
    Map<String, Map<String, XdsResource>> copy = new LinkedHashMap<>();
    byType.forEach((type, resources) -> copy.put(type, Map.copyOf(resources)));
    byType = Map.copyOf(copy);
  }

  /** Builds a snapshot from lists, keyed by each resource's name. */
  public static ProxySnapshot of(Map<String, List<XdsResource>> resourcesByType) {
    Map<String, Map<String, XdsResource>> byType = new HashMap<>();
    resourcesByType.forEach(
        (type, list) -> {
          Map<String, XdsResource> byName = new HashMap<>();
          list.forEach(r -> byName.put(r.name(), r));
          byType.put(type, byName);
        });
    return new ProxySnapshot(byType);
  }

  public Map<String, XdsResource> resources(String typeUrl) {
    return byType.getOrDefault(typeUrl, Map.of());
  }

  /** True when both snapshots hold the same resource versions of every type. */
  public boolean sameVersionsAs(ProxySnapshot other) {
    if (!byType.keySet().equals(other.byType.keySet())) {
      return false;
    }
    for (var entry : byType.entrySet()) {
      Map<String, XdsResource> mine = entry.getValue();
      Map<String, XdsResource> theirs = other.resources(entry.getKey());
      if (mine.size() != theirs.size()) {
        return false;
      }
      for (var resource : mine.values()) {
        XdsResource other1 = theirs.get(resource.name());
        if (other1 == null || !other1.version().equals(resource.version())) {
          return false;
        }
      }
    }
    return true;
  }
}
