package io.outrigger.controlplane.registry.file;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.controlplane.registry.ObjectKey;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one YAML file (several documents allowed) into fabric8 model objects. Kinds the mesh does not use
 * (Deployments, ConfigMaps...) are skipped, so a directory of ordinary manifests can be pointed at.
 */
public final class YamlFiles {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final Set<String> NETWORKING = Set.of("networking.istio.io/v1", "networking.istio.io/v1beta1",
            "networking.istio.io/v1alpha3");
    private static final Set<String> SECURITY = Set.of("security.istio.io/v1", "security.istio.io/v1beta1");
    private static final Map<String, Class<?>> NETWORKING_KINDS = Map.of(
            MeshAssembler.WORKLOAD_ENTRY, WorkloadEntry.class,
            MeshAssembler.VIRTUAL_SERVICE, VirtualService.class,
            MeshAssembler.DESTINATION_RULE, DestinationRule.class);

    /** What one file held: objects that parsed, and errors of the objects that did not. */
    public record Contents(List<ConfigObject> objects, List<ConfigError> errors) {
    }

    private YamlFiles() {
    }

    /**
     * @throws InvalidYamlException when {@code text} is not YAML at all; then none of its objects can be trusted
     */
    public static Contents parse(String text, String displayName) throws IOException, InvalidYamlException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(doc);
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String line = at == null ? "" : " line " + at.getLineNr();
            throw new InvalidYamlException("invalid YAML in " + displayName + line + ": " + summary(e.getOriginalMessage()));
        } catch (RuntimeException e) {
            // MappingIterator wraps parse failures of later documents in RuntimeJsonMappingException
            throw new InvalidYamlException("invalid YAML in " + displayName + ": " + e.getMessage());
        }
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        for (JsonNode doc : documents) {
            readDocument(doc, displayName, objects, errors);
        }
        return new Contents(objects, errors);
    }

    /** SnakeYAML's message spans lines with a source excerpt and caret; keep its sentences only. */
    private static String summary(String message) {
        return message.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .reduce((a, b) -> a + ": " + b)
                .orElse(message);
    }

    private static void readDocument(JsonNode doc, String source, List<ConfigObject> objects, List<ConfigError> errors) {
        if (!doc.isObject()) {
            errors.add(new ConfigError("File", "", source, "a document is not a mapping with apiVersion and kind"));
            return;
        }
        String apiVersion = doc.path("apiVersion").asText("");
        String kind = doc.path("kind").asText("");
        String name = doc.path("metadata").path("name").asText("");
        String namespace = doc.path("metadata").path("namespace").asText("default");
        Class<?> type = typeOf(apiVersion, kind);
        if (type == null) {
            if (kind.isEmpty() || apiVersion.isEmpty()) {
                errors.add(new ConfigError("File", "", source, "a document has no apiVersion or kind"));
            } else if (NETWORKING_KINDS.containsKey(kind) || MeshAssembler.PEER_AUTHENTICATION.equals(kind)) {
                errors.add(new ConfigError(kind, namespace, name, "apiVersion " + apiVersion
                        + " of kind " + kind + " is not supported (in " + source + ")"));
            }
            return;
        }
        if (name.isEmpty()) {
            errors.add(new ConfigError(kind, namespace, "(unnamed)", "metadata.name is missing (in " + source + ")"));
            return;
        }
        try {
            objects.add(new ConfigObject(new ObjectKey(kind, namespace, name), YAML.treeToValue(doc, type), source));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            errors.add(new ConfigError(kind, namespace, name, "invalid " + kind + " in " + source + ": " + reason));
        }
    }

    private static Class<?> typeOf(String apiVersion, String kind) {
        if ("v1".equals(apiVersion) && MeshAssembler.SERVICE.equals(kind)) {
            return io.fabric8.kubernetes.api.model.Service.class;
        }
        if ("v1".equals(apiVersion) && MeshAssembler.POD.equals(kind)) {
            return io.fabric8.kubernetes.api.model.Pod.class;
        }
        if (NETWORKING.contains(apiVersion)) {
            return NETWORKING_KINDS.get(kind);
        }
        if (SECURITY.contains(apiVersion) && MeshAssembler.PEER_AUTHENTICATION.equals(kind)) {
            return PeerAuthentication.class;
        }
        return null;
    }
}
