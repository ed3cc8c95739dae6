package io.outrigger.controlplane.server;

import com.google.protobuf.Any;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * A read-only view of generated resources as the push engine's packed ones. The generator shares
 * its maps and messages among proxies, so this view copies nothing per proxy; each resource is
 * packed once and the packed form is kept as long as the generator keeps the resource (weakly).
 */
final class PackedResources extends AbstractMap<String, XdsResource> {
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

  /** Packed forms by generated resource, shared by every view of one control plane. */
  static final class Cache {
    private final Map<VersionedResource, XdsResource> packed = Collections.synchronizedMap(new WeakHashMap<>());

    XdsResource packed(VersionedResource r) {
      XdsResource p = packed.get(r);
      if (p == null) {
        p = new XdsResource(r.name(), Any.pack(r.resource()), r.version());
        packed.put(r, p);
      }
      return p;
    }
  }
}
