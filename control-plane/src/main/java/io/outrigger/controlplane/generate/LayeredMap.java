package io.outrigger.controlplane.generate;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An immutable view of a proxy's own resources over resources shared by every proxy, so a thousand
 * proxies do not each copy a thousand shared entries. Names never collide: own and shared resources
 * are named apart. Public so the push path can diff the shared layers once per push rather than
 * once per proxy.
 */
public final class LayeredMap<V> extends AbstractMap<String, V> {
  private final Map<String, V> own;
  private final Map<String, V> shared;

  LayeredMap(Map<String, V> own, Map<String, V> shared) {
    this.own = Map.copyOf(own);
    this.shared = shared;
  }

  /** The proxy's own resources. */
  public Map<String, V> own() {
    return own;
  }

  /**
   * The resources shared with other proxies: the same map object for every proxy of one mesh
   * snapshot.
   */
  public Map<String, V> shared() {
    return shared;
  }

  @Override
  public V get(Object key) {
    V value = own.get(key);
    return value != null ? value : shared.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return own.containsKey(key) || shared.containsKey(key);
  }

  @Override
  public int size() {
    return own.size() + shared.size();
  }

  @Override
  public Set<Entry<String, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, V>> iterator() {
        return Stream.concat(own.entrySet().stream(), shared.entrySet().stream()).iterator();
      }

      @Override
      public int size() {
        return LayeredMap.this.size();
      }
    };
  }
}
