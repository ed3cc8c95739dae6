package io.outrigger.controlplane.xds;

import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Implemented by resource maps that know each resource's version without packing it (views over
 * generated config): diffs walk the versions and pack only what is actually sent.
 */
public interface VersionedView {
  /** Calls {@code action} with each resource's name and version. */
  void forEachVersion(BiConsumer<String, String> action);

  /** The version of resource {@code name}, or null when there is none, without packing it. */
  String versionOf(String name);

  /**
   * The names added, removed or re-versioned since {@code earlier}, or null when that is not known
   * without walking both. Views over shared maps answer once per pair of maps, so a push to a
   * thousand proxies looks only at what changed instead of every proxy's every resource.
   */
  default Set<String> changedSince(VersionedView earlier) {
    return null;
  }

  /** {@link ResourceVersions#ofSet} over every resource of this view. */
  default String setVersion() {
    ResourceVersions.SetVersion set = new ResourceVersions.SetVersion();
    forEachVersion(set::add);
    return set.value();
  }
}
