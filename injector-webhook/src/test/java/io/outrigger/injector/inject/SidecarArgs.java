package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Finds the sidecar's {@code --config-yaml} bootstrap in an injected pod. */
final class SidecarArgs {

  static final String MARKER = "<bootstrap: see 'bootstrap' below>";

  private SidecarArgs() {}

  static Optional<JsonNode> sidecar(JsonNode pod) {
    return Stream.of("initContainers", "containers")
        .flatMap(field -> StreamSupport.stream(pod.path("spec").path(field).spliterator(), false))
        .filter(c -> ProxyContainer.NAME.equals(c.path("name").asText()))
        .findFirst();
  }

  private static final Pattern KUBELET_VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /** The kubelet's expansion of container arguments: {@code $(VAR)} of a defined variable. */
  static String expand(String arg, Map<String, String> env) {
    Matcher m = KUBELET_VAR.matcher(arg);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
    }
    return m.appendTail(out).toString();
  }

  static Optional<String> bootstrapJson(JsonNode pod) {
    return sidecar(pod)
        .flatMap(
            c -> {
              JsonNode args = c.path("args");
              for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i).asText().equals("--config-yaml")) {
                  return Optional.of(args.get(i + 1).asText());
                }
              }
              return Optional.empty();
            });
  }

  static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("sidecar bootstrap is not JSON", e);
    }
  }

  /** A copy of {@code node} with every string equal to {@code bootstrap} replaced by the marker. */
  static JsonNode withBootstrapMarker(JsonNode node, String bootstrap) {
    JsonNode copy = node.deepCopy();
    if (bootstrap != null) {
      replace(copy, bootstrap);
    }
    return copy;
  }

  private static void replace(JsonNode node, String bootstrap) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getValue().isTextual() && field.getValue().asText().equals(bootstrap)) {
          field.setValue(TextNode.valueOf(MARKER));
        } else {
          replace(field.getValue(), bootstrap);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        if (node.get(i).isTextual() && node.get(i).asText().equals(bootstrap)) {
          ((ArrayNode) node).set(i, TextNode.valueOf(MARKER));
        } else {
          replace(node.get(i), bootstrap);
        }
      }
    }
  }
}
