package io.outrigger.controlplane.xds;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Resource name to the version last sent to one stream, held as a shared resource map (the one the
 * stream last diffed against, shared by every proxy of a scope) plus this stream's differences from
 * it: a name of the base counts as sent at the base's version while it is in scope, unless the
 * overlay says otherwise. A proxy in sync so holds a reference and an empty overlay, not an entry
 * per resource. Guarded by the owning stream's monitor, like {@link TypeState}.
 */
final class SentVersions {
  /** Overlay value of a base name that was not sent (compared by identity). */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String NOT_SENT = new String("not sent");

  private final Predicate<String> inScope;
  private Map<String, XdsResource> base = Map.of();

  /** Replaced rather than emptied: a map keeps its table after its entries go. */
  private Map<String, String> overlay = new HashMap<>();

  SentVersions(Predicate<String> inScope) {
    this.inScope = inScope;
  }

  /** The version last sent of {@code name}, or null. */
  String get(String name) {
    String version = overlay.get(name);
    if (version != null) {
      return version == NOT_SENT ? null : version;
    }
    return fromBase(name);
  }

  boolean containsKey(String name) {
    return get(name) != null;
  }

  /** Records that {@code name} was sent at {@code version}. */
  void put(String name, String version) {
    set(name, Objects.requireNonNull(version));
  }

  /** Forgets that {@code name} was sent; returns the version it was sent at, or null. */
  String remove(String name) {
    String before = get(name);
    if (before != null) {
      set(name, null);
    }
    return before;
  }

  /** Records that exactly the resources of {@code current} were sent, at their versions. */
  void sentExactly(Map<String, XdsResource> current) {
    base = current;
    overlay = new HashMap<>();
  }

  /** Removes every name that fails {@code keep} (only names the overlay holds can be sent then). */
  void retainOverlay(Predicate<String> keep) {
    overlay.keySet().removeIf(keep.negate());
  }

  /**
   * Before names change scope: keeps what each of them counts as now, since a base name counts only
   * while in scope.
   */
  void pin(Collection<String> names) {
    for (String name : names) {
      if (!overlay.containsKey(name) && baseVersion(name) != null) {
        String version = fromBase(name);
        overlay.put(name, version == null ? NOT_SENT : version);
      }
    }
  }

  /** {@link #pin} of every base name (the scope changes for all of them). */
  void pinAll() {
    List<String> names = new ArrayList<>();
    forEachBaseName(names::add);
    pin(names);
  }

  /**
   * Re-expresses the same versions against {@code next}, usually a newer map of the same scope:
   * only the overlay's names and those that changed between the two maps are looked at, and the
   * overlay keeps only what differs from {@code next}.
   */
  void rebase(Map<String, XdsResource> next) {
    if (next == base) {
      return;
    }
    Set<String> changed =
        next instanceof VersionedView view && base instanceof VersionedView earlier
            ? view.changedSince(earlier)
            : null;
    Set<String> names = new HashSet<>(overlay.keySet());
    if (changed != null) {
      names.addAll(changed);
    } else {
      forEachBaseName(names::add);
      forEachName(next, names::add);
    }
    Map<String, String> versions = new HashMap<>();
    names.forEach(name -> versions.put(name, get(name)));
    base = next;
    overlay = new HashMap<>();
    versions.forEach(this::set);
  }

  /** How many names count as sent (walks the base). */
  int size() {
    int[] count = {0};
    forEachName(name -> count[0]++);
    return count[0];
  }

  /** Calls {@code action} with every name that counts as sent. */
  void forEachName(Consumer<String> action) {
    overlay.forEach(
        (name, version) -> {
          if (version != NOT_SENT) {
            action.accept(name);
          }
        });
    forEachBaseName(
        name -> {
          if (!overlay.containsKey(name) && inScope.test(name)) {
            action.accept(name);
          }
        });
  }

  /** How many names differ from the base: what this stream holds per resource. */
  int overlaySize() {
    return overlay.size();
  }

  /** The shared map the overlay is relative to. */
  Map<String, XdsResource> base() {
    return base;
  }

  private void set(String name, String version) {
    if (Objects.equals(version, fromBase(name))) {
      if (overlay.remove(name) != null && overlay.isEmpty()) {
        // The first sync marks every resource unsent, then sends it: drop the grown table.
        overlay = new HashMap<>();
      }
    } else {
      overlay.put(name, version == null ? NOT_SENT : version);
    }
  }

  private String fromBase(String name) {
    return inScope.test(name) ? baseVersion(name) : null;
  }

  private String baseVersion(String name) {
    if (base instanceof VersionedView view) {
      return view.versionOf(name);
    }
    XdsResource r = base.get(name);
    return r == null ? null : r.version();
  }

  private void forEachBaseName(Consumer<String> action) {
    forEachName(base, action);
  }

  private static void forEachName(Map<String, XdsResource> map, Consumer<String> action) {
    if (map instanceof VersionedView view) {
      view.forEachVersion((name, version) -> action.accept(name));
    } else {
      map.keySet().forEach(action);
    }
  }
}
