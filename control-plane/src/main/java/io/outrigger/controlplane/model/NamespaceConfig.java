package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * A Kubernetes Namespace as the mesh sees it: its name and labels (revision, injection, team...).
 */
public record NamespaceConfig(String name, Map<String, String> labels) {
  public NamespaceConfig {
    labels = Map.copyOf(labels);
  }
}
