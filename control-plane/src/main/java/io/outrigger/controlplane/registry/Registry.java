package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.model.MeshConfig;
import java.util.function.Consumer;

/**
 * Where the mesh comes from. Implementations turn their source (a YAML directory, the Kubernetes
 * API) into {@link MeshConfig} snapshots; nothing outside this package knows which one is in use.
 */
public interface Registry extends AutoCloseable {
  /** The snapshot in force now; never null (empty before {@link #start()}). */
  MeshConfig current();

  /** Called with every new snapshot, on the registry's thread, after {@link #start()}. */
  void addListener(Consumer<MeshConfig> listener);

  /**
   * Loads the initial state (so {@link #current()} is complete when this returns) and starts
   * watching.
   */
  void start();

  @Override
  void close();
}
