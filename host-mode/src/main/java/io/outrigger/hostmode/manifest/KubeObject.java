package io.outrigger.hostmode.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One object of a manifest, as written: its kind, namespace and name, the whole document, and where
 * it came from (file and document number, for messages).
 */
public record KubeObject(
    String apiVersion, String kind, String namespace, String name, ObjectNode body, String source) {

  /** {@code Kind ns/name}: how every message names the object. */
  public String describe() {
    return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
  }

  public Key key() {
    return new Key(kind, namespace, name);
  }

  /** Identity of an object in the mesh: one per kind, namespace and name. */
  public record Key(String kind, String namespace, String name) {}
}
