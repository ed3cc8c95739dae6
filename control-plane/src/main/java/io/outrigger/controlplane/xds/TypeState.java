package io.outrigger.controlplane.xds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

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

  /** The in-scope resources now: their versions, and those whose version the proxy lacks. */
  Diff diff(Map<String, XdsResource> current) {
    Map<String, String> versions = new HashMap<>();
    List<XdsResource> changed = new ArrayList<>();
    for (XdsResource r : current.values()) {
      if (inScope(r.name())) {
        versions.put(r.name(), r.version());
        if (!r.version().equals(sent.get(r.name()))) {
          changed.add(r);
        }
      }
    }
    return new Diff(ResourceVersions.ofSet(versions), changed);
  }

  /** {@code version} is the whole in-scope set's; {@code changed} what is new to the proxy. */
  record Diff(String version, List<XdsResource> changed) {}

  TypeSyncStatus status() {
    return new TypeSyncStatus(typeUrl, sentVersion, sentAt, ackedVersion, ackedAt, sent.size(),
        lastNonce.equals(ackedNonce), lastNack);
  }
}
