package io.outrigger.controlplane.xds;

import java.lang.ref.WeakReference;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Subscriptions shared by content. A thousand proxies asking for the same 1,200 endpoint names hold
 * one immutable set and one list of canonical strings instead of a copy each from their own parsed
 * requests. Entries go when no stream holds them any more.
 */
final class SubscriptionNames {
  private static final Map<Object, WeakReference<Object>> SHARED = new WeakHashMap<>();

  private SubscriptionNames() {}

  /** The shared immutable set equal to {@code names}. */
  static Set<String> set(Collection<String> names) {
    if (names.isEmpty()) {
      return Set.of();
    }
    Set<String> probe = names instanceof Set<String> set ? set : Set.copyOf(names);
    return intern(probe, () -> Set.copyOf(canonical(probe)));
  }

  /** The shared immutable list equal to {@code names}, in the same order. */
  static List<String> list(List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    return intern(names, () -> List.copyOf(canonical(names)));
  }

  /** One String instance per distinct name, so sets that only overlap still share their names. */
  static String name(String name) {
    return name.intern();
  }

  private static List<String> canonical(Collection<String> names) {
    return names.stream().map(SubscriptionNames::name).toList();
  }

  @SuppressWarnings("unchecked")
  private static synchronized <T> T intern(T probe, java.util.function.Supplier<T> copy) {
    WeakReference<Object> held = SHARED.get(probe);
    Object shared = held == null ? null : held.get();
    if (shared == null) {
      shared = copy.get();
      SHARED.put(shared, new WeakReference<>(shared));
    }
    return (T) shared;
  }

  /** How many distinct sets and lists are shared now (for tests). */
  static synchronized int size() {
    return SHARED.size();
  }
}
