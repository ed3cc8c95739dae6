package io.outrigger.controlplane.server;

import com.google.protobuf.Any;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.controlplane.xds.VersionedView;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A read-only view of generated resources as the push engine's packed ones. The generator shares
 * its maps and messages among proxies, so this view copies nothing per proxy; each resource is
 * packed once per mesh version (see {@link Cache}).
 */
final class PackedResources extends AbstractMap<String, XdsResource> implements VersionedView {
  private final Map<String, VersionedResource> generated;
  private final Cache cache;

  PackedResources(Map<String, VersionedResource> generated, Cache cache) {
    this.generated = generated;
    this.cache = cache;
  }

  @Override
  public XdsResource get(Object name) {
    VersionedResource r = generated.get(name);
    return r == null ? null : cache.packed(r);
  }

  /** Versions straight from the generator: a diff packs only the resources that changed. */
  @Override
  public void forEachVersion(BiConsumer<String, String> action) {
    generated.forEach((name, r) -> action.accept(name, r.version()));
  }

  @Override
  public String versionOf(String name) {
    VersionedResource r = generated.get(name);
    return r == null ? null : r.version();
  }

  /** Answered per pair of shared maps, once per push, not per proxy. */
  @Override
  public Set<String> changedSince(VersionedView earlier) {
    return earlier instanceof PackedResources p && p.cache == cache
        ? cache.current.diffs.changed(p.generated, generated)
        : null;
  }

  @Override
  public String setVersion() {
    return cache.current.diffs.setVersion(generated);
  }

  @Override
  public boolean containsKey(Object name) {
    return generated.containsKey(name);
  }

  @Override
  public int size() {
    return generated.size();
  }

  @Override
  public Set<Entry<String, XdsResource>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, XdsResource>> iterator() {
        Iterator<VersionedResource> it = generated.values().iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Entry<String, XdsResource> next() {
            VersionedResource r = it.next();
            return Map.entry(r.name(), cache.packed(r));
          }
        };
      }

      @Override
      public int size() {
        return generated.size();
      }
    };
  }

  /**
   * Packed forms by generated resource and the shared maps' diffs and set versions, shared by every
   * view of one control plane. Emptied when the mesh version moves, so it holds about one mesh's
   * resources; each is packed once per mesh change.
   */
  static final class Cache {
    private volatile Generation current = new Generation(Long.MIN_VALUE);

    /** Starts a new generation when {@code meshVersion} is not the current one. */
    void meshVersion(long meshVersion) {
      if (current.meshVersion != meshVersion) {
        synchronized (this) {
          if (current.meshVersion != meshVersion) {
            current = new Generation(meshVersion);
          }
        }
      }
    }

    XdsResource packed(VersionedResource r) {
      return current.packed.computeIfAbsent(
          r, v -> new XdsResource(v.name(), Any.pack(v.resource()), v.version()));
    }

    private record Generation(
        long meshVersion,
        ConcurrentHashMap<VersionedResource, XdsResource> packed,
        SharedDiffs diffs) {
      Generation(long meshVersion) {
        this(meshVersion, new ConcurrentHashMap<>(), new SharedDiffs());
      }
    }
  }
}
