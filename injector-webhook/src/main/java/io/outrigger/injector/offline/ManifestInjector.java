package io.outrigger.injector.offline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectionResult;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.injector.yaml.KubeYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code outrigger inject -f} does (Istio's {@code kube-inject}): injects Pods and the pod
 * templates of workloads in multi-document YAML, and passes every other document through.
 */
public final class ManifestInjector {

  private static final Set<String> TEMPLATED =
      Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final SidecarInjector injector;
  private final YAMLMapper yaml = KubeYaml.documents();

  public ManifestInjector(SidecarInjector injector) {
    this.injector = injector;
  }

  /** The injected manifest and what the user should know about each object. */
  public record Output(String yaml, List<String> notes) {}

  /** Injects every document of a multi-document YAML stream. */
  public Output inject(String manifest) {
    List<String> notes = new ArrayList<>();
    StringBuilder out = new StringBuilder();
    try (JsonParser parser = yaml.createParser(manifest);
        MappingIterator<JsonNode> docs = yaml.readValues(parser, JsonNode.class)) {
      int index = 0;
      while (docs.hasNextValue()) {
        JsonNode doc = docs.nextValue();
        index++;
        if (doc == null
            || doc.isNull()
            || doc.isMissingNode()
            || (doc.isTextual() && doc.asText().isBlank())) {
          continue;
        }
        if (!(doc instanceof ObjectNode object)) {
          throw new IllegalArgumentException(
              "document " + index + ": expected a Kubernetes object");
        }
        out.append(yaml.writeValueAsString(injectObject(object, notes)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("not valid YAML: " + e.getMessage(), e);
    }
    return new Output(out.toString(), notes);
  }

  /**
   * Injects one object (a copy is returned); objects without a pod template come back unchanged.
   */
  public ObjectNode injectObject(ObjectNode object, List<String> notes) {
    String kind = object.path("kind").asText();
    ObjectNode result = object.deepCopy();
    if (kind.equals("List")) {
      for (JsonNode item : result.path("items")) {
        if (item instanceof ObjectNode o) {
          o.setAll(injectObject(o, notes));
        }
      }
      return result;
    }
    String namespace = object.path("metadata").path("namespace").asText("default");
    String name = object.path("metadata").path("name").asText();
    if (kind.equals("Pod")) {
      InjectionResult injected = injector.inject(request(object, namespace, null));
      note(notes, kind, namespace, name, injected);
      return injected.pod();
    }
    Optional<ObjectNode> template = podTemplate(result, kind);
    if (template.isEmpty()) {
      return result;
    }
    ObjectNode pod = JSON.objectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    ObjectNode metadata =
        template.get().path("metadata").isObject()
            ? ((ObjectNode) template.get().get("metadata")).deepCopy()
            : JSON.objectNode();
    pod.set("metadata", metadata);
    pod.set("spec", template.get().path("spec"));
    InjectionResult injected = injector.inject(request(pod, namespace, name));
    note(notes, kind, namespace, name, injected);
    template.get().set("metadata", injected.pod().get("metadata"));
    template.get().set("spec", injected.pod().get("spec"));
    return result;
  }

  /** The pod template of a workload kind, or empty for kinds that have none. */
  public static Optional<ObjectNode> podTemplate(ObjectNode object, String kind) {
    JsonNode template;
    if (TEMPLATED.contains(kind)) {
      template = object.path("spec").path("template");
    } else if (kind.equals("CronJob")) {
      template = object.path("spec").path("jobTemplate").path("spec").path("template");
    } else {
      return Optional.empty();
    }
    if (!(template instanceof ObjectNode t) || !t.path("spec").isObject()) {
      throw new IllegalArgumentException(
          kind
              + " "
              + object.path("metadata").path("name").asText()
              + ": has no pod template spec");
    }
    return Optional.of(t);
  }

  private static InjectionRequest request(JsonNode pod, String namespace, String workload) {
    return new InjectionRequest(pod, namespace, workload, Optional.empty());
  }

  private static void note(
      List<String> notes, String kind, String namespace, String name, InjectionResult result) {
    String verdict = result.injected() ? "injected" : "skipped: " + result.decision().reason();
    notes.add(kind + " " + namespace + "/" + name + " " + verdict);
    notes.addAll(result.warnings());
  }
}
