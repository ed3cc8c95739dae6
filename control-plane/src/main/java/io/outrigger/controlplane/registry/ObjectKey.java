package io.outrigger.controlplane.registry;

/** Identity of a config object across reloads: kind, namespace and name. */
public record ObjectKey(String kind, String namespace, String name) {
  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
