package io.outrigger.controlplane.xds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
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
  final Set<String> subscribed = new HashSet<>();
  /** Resource name to the version last sent: a resource is re-sent only when its version moves. */
  final Map<String, String> sent = new HashMap<>();

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

  /** Applies a new subscription, forgetting what was sent for dropped names so a re-add re-sends. */
  void subscribe(Set<String> names) {
    sent.keySet().removeIf(name -> !wildcard && !names.contains(name));
    subscribed.clear();
    subscribed.addAll(names);
  }

  boolean inScope(String name) {
    return wildcard || subscribed.contains(name);
  }

  /** What of {@code current} is in scope and new to the proxy; the set's version is computed on demand. */
  Diff diff(Map<String, XdsResource> current) {
    List<XdsResource> changed = new ArrayList<>();
    int[] inScope = {0};
    forEachVersion(current, (name, version) -> {
      if (inScope(name)) {
        inScope[0]++;
        if (!version.equals(sent.get(name))) {
          changed.add(current.get(name));
        }
      }
    });
    return new Diff(changed, inScope[0]);
  }

  /** The version of the in-scope set: what a response carries and the proxy ACKs. */
  String versionOf(Map<String, XdsResource> current) {
    ResourceVersions.SetVersion set = new ResourceVersions.SetVersion();
    forEachVersion(current, (name, version) -> {
      if (inScope(name)) {
        set.add(name, version);
      }
    });
    return set.value();
  }

  private static void forEachVersion(Map<String, XdsResource> current, BiConsumer<String, String> action) {
    if (current instanceof VersionedView view) {
      view.forEachVersion(action);
    } else {
      current.values().forEach(r -> action.accept(r.name(), r.version()));
    }
  }

  /** {@code changed}: in scope and new to the proxy; {@code inScope}: how many are in scope. */
  record Diff(List<XdsResource> changed, int inScope) {}

  TypeSyncStatus status() {
    return new TypeSyncStatus(typeUrl, sentVersion, sentAt, ackedVersion, ackedAt, sent.size(),
        lastNonce.equals(ackedNonce), lastNack);
  }
}
