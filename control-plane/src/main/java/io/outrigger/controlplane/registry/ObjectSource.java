package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.model.ConfigError;
import java.util.List;

/**
 * Where config objects come from: a YAML directory, the Kubernetes API. A {@link MeshRegistry}
 * merges the objects of one or more sources into one model; a source only reads and watches.
 */
public interface ObjectSource extends AutoCloseable {

  /**
   * Reads the initial state (so {@link #contents()} is complete when this returns) and then calls
   * {@code onChange} after each change, from any thread; bursts may be reported once.
   *
   * @throws IllegalArgumentException naming the source and the reason when it cannot be read at all
   *     (the operator can act on it: a kubeconfig, RBAC, a CRD, a directory)
   */
  void start(Runnable onChange);

  /**
   * The objects in force now, and the errors of those that could not be read; a consistent
   * snapshot.
   */
  Contents contents();

  @Override
  void close();

  /** What a source holds: objects that parsed, and errors of those that did not. */
  record Contents(List<ConfigObject> objects, List<ConfigError> errors) {
    public Contents {
      objects = List.copyOf(objects);
      errors = List.copyOf(errors);
    }

    public static Contents empty() {
      return new Contents(List.of(), List.of());
    }
  }
}
