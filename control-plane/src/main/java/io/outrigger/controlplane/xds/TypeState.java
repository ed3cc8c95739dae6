package io.outrigger.controlplane.xds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What one stream knows about one resource type: the subscription, what was sent (per resource),
 * and what the proxy ACKed or NACKed. Guarded by the owning stream's monitor.
 */
final class TypeState {
  final String typeUrl;
  boolean wildcard;

  /** Immutable and shared with every stream that subscribed to the same names. */
  private Set<String> subscribed = Set.of();

  /** SotW: the names of the request that set {@link #subscribed}, in its order; shared like it. */
  private List<String> requestedNames = List.of();

  /**
   * Resource name to the version last sent: a resource is re-sent only when its version moves. Kept
   * as differences from the map last diffed, so a proxy in sync holds no entry per resource.
   */
  final SentVersions sent = new SentVersions(this::inScope);

  boolean requested;
  boolean everSent;
  String lastNonce = "";
  String ackedNonce = "";
  String sentVersion = "";
  Instant sentAt;
  long sentChangeNanos;
  String ackedVersion = "";
  Instant ackedAt;
  Nack lastNack;

  TypeState(String typeUrl) {
    this.typeUrl = typeUrl;
  }

  /**
   * The resources {@link #sent} was last brought in line with (every in-scope name of it sent at
   * its version), or null when unknown: the next diff then only has to look at what changed since.
   */
  private Map<String, XdsResource> synced;

  /** Names whose sent version was forgotten since the last diff (a rebuilt cluster's endpoints). */
  private final Set<String> recheck = new HashSet<>();

  /** How many names of {@link #synced} are out of scope; at 0 the set version is the view's own. */
  private int outOfScope;

  /**
   * Applies a new subscription, forgetting what was sent for dropped names so a re-add re-sends.
   */
  void subscribe(boolean wildcard, Set<String> names) {
    if (wildcard != this.wildcard) {
      sent.pinAll();
    } else if (!wildcard) {
      sent.pin(names.stream().filter(name -> !subscribed.contains(name)).toList());
    }
    this.wildcard = wildcard;
    subscribed = SubscriptionNames.set(names);
    if (!wildcard) {
      sent.retainOverlay(names::contains);
    }
  }

  /**
   * SotW: {@link #subscribe} to {@code names} less the wildcard, remembering the request's order.
   */
  void subscribe(boolean wildcard, List<String> names, Set<String> withoutWildcard) {
    subscribe(wildcard, withoutWildcard);
    requestedNames = SubscriptionNames.list(names);
  }

  /** SotW: whether a request for {@code names} asks for the current subscription. */
  boolean subscribedTo(List<String> names) {
    // An ACK repeats the request's names, usually in the same order: comparing the lists in order
    // is much cheaper than hashing a thousand fresh strings per ACK, and the set compare still
    // decides when the order differs.
    return names.equals(requestedNames)
        || names.size() == subscribed.size() && subscribed.containsAll(names);
  }

  /**
   * Delta: adds {@code add} to the subscription and drops {@code remove}, forgetting what was sent
   * for the dropped names.
   */
  void changeSubscription(Collection<String> add, Collection<String> remove) {
    if (!subscribed.containsAll(add) || remove.stream().anyMatch(subscribed::contains)) {
      Set<String> names = new HashSet<>(subscribed);
      List<String> added = add.stream().filter(name -> !subscribed.contains(name)).toList();
      if (!wildcard) {
        sent.pin(added);
      }
      names.addAll(added);
      names.removeAll(remove);
      subscribed = SubscriptionNames.set(names);
    }
    remove.forEach(sent::remove);
  }

  /** Delta: what a reconnecting proxy says it already holds counts as sent. */
  void alreadySent(Map<String, String> versionByName) {
    versionByName.forEach((name, version) -> sent.put(SubscriptionNames.name(name), version));
  }

  /** The subscribed names (immutable, shared). */
  Set<String> subscribed() {
    return subscribed;
  }

  /**
   * The subscription or what was sent changed other than by a diff: the next diff walks everything.
   */
  void resync() {
    synced = null;
  }

  /** Forgets that {@code name} was sent, so the next diff sends it again. */
  void forget(String name) {
    if (sent.remove(name) != null) {
      recheck.add(name);
    }
  }

  boolean inScope(String name) {
    return wildcard || subscribed.contains(name);
  }

  /**
   * What of {@code current} is in scope and new to the proxy, and what in scope was sent but is
   * gone. Assumes the caller then sends all of it (both streams do), so {@code current} becomes the
   * synced map.
   */
  Diff diff(Map<String, XdsResource> current) {
    sent.rebase(current);
    Set<String> candidates =
        synced != null && current instanceof VersionedView view
            ? view.changedSince((VersionedView) synced)
            : null;
    Diff diff = candidates == null ? fullDiff(current) : partialDiff(current, candidates);
    synced = current instanceof VersionedView ? current : null;
    recheck.clear();
    return diff;
  }

  private Diff fullDiff(Map<String, XdsResource> current) {
    List<XdsResource> changed = new ArrayList<>();
    int[] out = {0};
    forEachVersion(
        current,
        (name, version) -> {
          if (!inScope(name)) {
            out[0]++;
          } else if (!version.equals(sent.get(name))) {
            changed.add(current.get(name));
          }
        });
    outOfScope = out[0];
    List<String> removed = new ArrayList<>();
    sent.forEachName(
        name -> {
          if (inScope(name) && !current.containsKey(name)) {
            removed.add(name);
          }
        });
    return new Diff(changed, removed);
  }

  /**
   * Only names that changed since {@link #synced} (and forgotten ones) can differ from what was
   * sent.
   */
  private Diff partialDiff(Map<String, XdsResource> current, Set<String> candidates) {
    List<XdsResource> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String name : candidates) {
      check(name, current, changed, removed);
    }
    for (String name : recheck) {
      if (!candidates.contains(name)) {
        check(name, current, changed, removed);
      }
    }
    return new Diff(changed, removed);
  }

  private void check(
      String name,
      Map<String, XdsResource> current,
      List<XdsResource> changed,
      List<String> removed) {
    XdsResource now = current.get(name);
    if (!inScope(name)) {
      outOfScope += (now != null ? 1 : 0) - (synced.containsKey(name) ? 1 : 0);
    } else if (now == null) {
      if (sent.containsKey(name)) {
        removed.add(name);
      }
    } else if (!now.version().equals(sent.get(name))) {
      changed.add(now);
    }
  }

  /**
   * The version of the in-scope set of {@code current}, the map last diffed: what the proxy ACKs.
   */
  String versionOf(Map<String, XdsResource> current) {
    if (current == synced && outOfScope == 0) {
      // Everything is in scope: the view's version, summed once per shared map, not per proxy.
      return ((VersionedView) current).setVersion();
    }
    ResourceVersions.SetVersion set = new ResourceVersions.SetVersion();
    forEachVersion(
        current,
        (name, version) -> {
          if (inScope(name)) {
            set.add(name, version);
          }
        });
    return set.value();
  }

  private static void forEachVersion(
      Map<String, XdsResource> current, BiConsumer<String, String> action) {
    if (current instanceof VersionedView view) {
      view.forEachVersion(action);
    } else {
      current.values().forEach(r -> action.accept(r.name(), r.version()));
    }
  }

  /**
   * {@code changed}: in scope and new to the proxy; {@code removed}: in scope, sent, and now gone.
   */
  record Diff(List<XdsResource> changed, List<String> removed) {}

  TypeSyncStatus status() {
    return new TypeSyncStatus(
        typeUrl,
        sentVersion,
        sentAt,
        ackedVersion,
        ackedAt,
        sent.size(),
        lastNonce.equals(ackedNonce),
        lastNack);
  }
}
