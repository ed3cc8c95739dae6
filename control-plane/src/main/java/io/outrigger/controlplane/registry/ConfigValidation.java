package io.outrigger.controlplane.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.outrigger.controlplane.model.MeshConfig;
import java.util.Optional;

/**
 * One config object checked before it is stored (the admission webhook's {@code /validate}), with
 * the same parsing and the same converters the registries use, so a refusal gives the reason the
 * control plane would log had the object reached it.
 */
public final class ConfigValidation {
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private ConfigValidation() {}

  /**
   * @param object the object as JSON ({@code apiVersion}, {@code kind}, {@code metadata}, {@code
   *     spec})
   * @param namespace where it is applied
   * @param inForce the mesh the control plane has now (VirtualService destinations are checked
   *     against it as far as it knows them)
   * @return why it is refused; empty when it is valid or not a kind the mesh reads
   */
  public static Optional<String> refuse(JsonNode object, String namespace, MeshConfig inForce) {
    String apiVersion = object.path("apiVersion").asText("");
    String kind = object.path("kind").asText("");
    Optional<ConfigKind<?>> configKind = ConfigKinds.of(apiVersion, kind);
    if (configKind.isEmpty()) {
      return Optional.empty();
    }
    Class<?> type = configKind.get().type();
    Object resource;
    try {
      resource = JSON.treeToValue(object, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      String reason =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      return Optional.of("invalid " + kind + ": " + reason);
    }
    ObjectKey key = new ObjectKey(kind, namespace, object.path("metadata").path("name").asText(""));
    return MeshAssembler.check(new ConfigObject(key, resource, "admission"), inForce);
  }
}
