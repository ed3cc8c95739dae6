package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.sidecar.AppHealthPaths;
import io.outrigger.sidecar.SidecarPorts;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Points app probes at the sidecar: once inbound traffic is captured and mTLS is required, the
 * kubelet's plain-text probes would no longer reach the app, so the sidecar's 15020 listener
 * answers them and probes the app from inside the pod. Exec probes need no network and are kept.
 */
final class ProbeRewriter {

  private static final List<String> ORDER =
      List.of("livenessProbe", "readinessProbe", "startupProbe");
  private static final List<String> HANDLERS = List.of("httpGet", "tcpSocket", "grpc");

  private ProbeRewriter() {}

  /**
   * Rewrites the container's probes in place.
   *
   * @param originals receives each original probe (named ports resolved) keyed by its new path
   * @param warnings receives what could not be rewritten and why
   */
  static void rewrite(
      ObjectNode container, String who, Map<String, JsonNode> originals, List<String> warnings) {
    String name = container.path("name").asText();
    for (String field : ORDER) {
      JsonNode probe = container.get(field);
      if (!(probe instanceof ObjectNode original)) {
        continue;
      }
      Optional<String> handler = HANDLERS.stream().filter(original::has).findFirst();
      if (handler.isEmpty()) {
        continue;
      }
      if ("HTTPS".equalsIgnoreCase(original.path("httpGet").path("scheme").asText("HTTP"))) {
        // The control plane's 15020 listener does not originate TLS to the app (yet).
        warnings.add(
            "pod "
                + who
                + " container "
                + name
                + ": "
                + field
                + " uses HTTPS, which the sidecar cannot answer; probe kept");
        continue;
      }
      ObjectNode resolved = original.deepCopy();
      JsonNode action = resolved.get(handler.get());
      if (action instanceof ObjectNode target && target.path("port").isTextual()) {
        Optional<Integer> number = portNumber(container, target.path("port").asText());
        if (number.isEmpty()) {
          warnings.add(
              "pod "
                  + who
                  + " container "
                  + name
                  + ": "
                  + field
                  + " uses port name '"
                  + target.path("port").asText()
                  + "' that the container does not declare; probe kept");
          continue;
        }
        target.put("port", number.get());
      }
      String path = AppHealthPaths.of(name, field);
      originals.put(path, resolved);
      container.set(field, sidecarProbe(original, handler.get(), path));
    }
  }

  /** Same timing and thresholds, an httpGet on the sidecar instead of the app's handler. */
  private static ObjectNode sidecarProbe(ObjectNode original, String handler, String path) {
    ObjectNode probe = original.deepCopy();
    probe.remove(handler);
    ObjectNode get = probe.objectNode();
    get.put("path", path);
    get.put("port", SidecarPorts.APP_HEALTH);
    get.put("scheme", "HTTP");
    // Keep the handler first so the YAML reads like a probe someone wrote.
    ObjectNode ordered = probe.objectNode();
    ordered.set("httpGet", get);
    ordered.setAll(probe);
    return ordered;
  }

  private static Optional<Integer> portNumber(JsonNode container, String portName) {
    for (JsonNode port : container.path("ports")) {
      if (portName.equals(port.path("name").asText(null))) {
        return Optional.of(port.path("containerPort").asInt());
      }
    }
    return Optional.empty();
  }
}
