package io.outrigger.controlplane.xds;

import java.util.function.BiConsumer;

/**
 * Implemented by resource maps that know each resource's version without packing it (views over
 * generated config): diffs walk the versions and pack only what is actually sent.
 */
public interface VersionedView {
  /** Calls {@code action} with each resource's name and version. */
  void forEachVersion(BiConsumer<String, String> action);
}
