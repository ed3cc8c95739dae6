package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Reading and creating the parts of a pod (as the API server sent it) the injector touches. */
final class PodJson {

  private PodJson() {}

  static Optional<String> label(JsonNode pod, String key) {
    return text(pod.path("metadata").path("labels").path(key));
  }

  static Optional<String> annotation(JsonNode pod, String key) {
    return text(pod.path("metadata").path("annotations").path(key));
  }

  /** The label, else the annotation: Istio lets a label win over an annotation of the same key. */
  static Optional<String> labelOrAnnotation(JsonNode pod, String key) {
    return label(pod, key).or(() -> annotation(pod, key));
  }

  static Optional<String> text(JsonNode node) {
    return node.isValueNode() && !node.isNull() ? Optional.of(node.asText()) : Optional.empty();
  }

  /** The pod's "namespace/name" for messages, using generateName when the name is not yet set. */
  static String describe(JsonNode pod, String namespace) {
    JsonNode metadata = pod.path("metadata");
    String name =
        text(metadata.path("name"))
            .or(() -> text(metadata.path("generateName")).map(g -> g + "*"))
            .orElse("<unnamed>");
    return namespace + "/" + name;
  }

  static ObjectNode object(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    return node instanceof ObjectNode o ? o : parent.putObject(field);
  }

  static ArrayNode array(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    return node instanceof ArrayNode a ? a : parent.putArray(field);
  }
}
