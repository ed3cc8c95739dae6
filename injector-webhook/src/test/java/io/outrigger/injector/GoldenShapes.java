package io.outrigger.injector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.NativeSidecarMode;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.injector.offline.ManifestInjector;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The pod shapes under {@code golden/pods/}, and how each becomes an injection request. */
public final class GoldenShapes {

  public static final YAMLMapper YAML = KubeYaml.documents();

  private GoldenShapes() {}

  /** The injector every golden file was produced with: API server 1.31, so native sidecars. */
  public static SidecarInjector injector() {
    return new SidecarInjector(
        InjectorConfig.defaults().withNativeSidecar(NativeSidecarMode.AUTO, "1.31"),
        new SidecarBootstrap());
  }

  public static List<String> names() {
    try (Stream<Path> files = Files.list(Golden.root().resolve("pods"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.contains(".out."))
          .map(n -> n.substring(0, n.length() - ".yaml".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode object(String shape) {
    try {
      return (ObjectNode) YAML.readTree(Golden.read("pods/" + shape + ".yaml"));
    } catch (IOException e) {
      throw new UncheckedIOException("golden shape " + shape, e);
    }
  }

  /** The pod the API server would send: the Pod itself, or a workload's template as a Pod. */
  public static InjectionRequest request(String shape) {
    ObjectNode object = object(shape);
    String kind = object.path("kind").asText();
    String namespace = object.path("metadata").path("namespace").asText("default");
    if (kind.equals("Pod")) {
      return InjectionRequest.forAdmission(object, namespace);
    }
    ObjectNode template = ManifestInjector.podTemplate(object, kind).orElseThrow();
    ObjectNode pod = JsonNodeFactory.instance.objectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.set(
        "metadata",
        template.path("metadata").isObject()
            ? template.get("metadata")
            : JsonNodeFactory.instance.objectNode());
    pod.set("spec", template.get("spec"));
    return new InjectionRequest(
        pod, namespace, object.path("metadata").path("name").asText(), Optional.empty());
  }

  public static String yaml(JsonNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
