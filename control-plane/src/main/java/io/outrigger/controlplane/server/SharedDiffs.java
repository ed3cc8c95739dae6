package io.outrigger.controlplane.server;

import io.outrigger.controlplane.generate.LayeredMap;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.controlplane.xds.ResourceVersions;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What changed between two generated resource maps, and each map's set version, computed once per
 * shared map (or pair of them) and reused by every proxy whose view holds it. Only shared maps are
 * cached (by identity): a proxy's own layer is small and compared directly. Lives for one mesh
 * version (see {@link PackedResources.Cache}), so it holds a few dozen maps at most.
 */
final class SharedDiffs {
  private final Map<Pair, Set<String>> changed = new ConcurrentHashMap<>();
  private final Map<Identity, Sum> sums = new ConcurrentHashMap<>();

  /**
   * Names added, removed or re-versioned from {@code before} to {@code after}; null if the shapes
   * differ.
   */
  Set<String> changed(Map<String, VersionedResource> before, Map<String, VersionedResource> after) {
    if (before == after) {
      return Set.of();
    }
    boolean layeredBefore = before instanceof LayeredMap;
    if (layeredBefore != after instanceof LayeredMap) {
      return null;
    }
    if (!layeredBefore) {
      return sharedChanges(before, after);
    }
    LayeredMap<VersionedResource> b = (LayeredMap<VersionedResource>) before;
    LayeredMap<VersionedResource> a = (LayeredMap<VersionedResource>) after;
    Set<String> shared = sharedChanges(b.shared(), a.shared());
    Set<String> own = b.own() == a.own() ? Set.of() : compare(b.own(), a.own());
    if (own.isEmpty()) {
      return shared;
    }
    Set<String> both = new HashSet<>(shared);
    both.addAll(own);
    return both;
  }

  /** {@link ResourceVersions#ofSet} over every resource of {@code generated}. */
  String setVersion(Map<String, VersionedResource> generated) {
    Sum sum =
        generated instanceof LayeredMap<VersionedResource> layered
            ? sumOf(layered.own()).plus(sharedSum(layered.shared()))
            : sharedSum(generated);
    return ResourceVersions.value(sum.sum(), sum.count());
  }

  private Set<String> sharedChanges(
      Map<String, VersionedResource> before, Map<String, VersionedResource> after) {
    return before == after
        ? Set.of()
        : changed.computeIfAbsent(new Pair(before, after), p -> compare(before, after));
  }

  private Sum sharedSum(Map<String, VersionedResource> shared) {
    return sums.computeIfAbsent(new Identity(shared), k -> sumOf(shared));
  }

  private static Set<String> compare(
      Map<String, VersionedResource> before, Map<String, VersionedResource> after) {
    Set<String> names = new HashSet<>();
    after.forEach(
        (name, now) -> {
          VersionedResource was = before.get(name);
          // Unchanged resources are reused by the generator: identity settles most of them.
          if (was != now && (was == null || !was.version().equals(now.version()))) {
            names.add(name);
          }
        });
    before
        .keySet()
        .forEach(
            name -> {
              if (!after.containsKey(name)) {
                names.add(name);
              }
            });
    return Set.copyOf(names);
  }

  private static Sum sumOf(Map<String, VersionedResource> resources) {
    long sum = 0;
    for (Map.Entry<String, VersionedResource> e : resources.entrySet()) {
      sum += ResourceVersions.entry(e.getKey(), e.getValue().version());
    }
    return new Sum(sum, resources.size());
  }

  private record Sum(long sum, int count) {
    Sum plus(Sum other) {
      return new Sum(sum + other.sum, count + other.count);
    }
  }

  /**
   * A map by identity: shared maps are immutable, and hashing their content would cost the walk
   * saved.
   */
  private record Identity(Object map) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Identity other && other.map == map;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(map);
    }
  }

  private record Pair(Object before, Object after) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Pair other && other.before == before && other.after == after;
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(before) + System.identityHashCode(after);
    }
  }
}
