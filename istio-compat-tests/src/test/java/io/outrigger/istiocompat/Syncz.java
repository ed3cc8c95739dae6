package io.outrigger.istiocompat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The control plane's {@code /debug/syncz}: per proxy and type, sent/ACKed versions and NACKs;
 * config errors.
 */
record Syncz(JsonNode root) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Syncz parse(String body) {
    try {
      return new Syncz(JSON.readTree(body));
    } catch (IOException e) {
      throw new UncheckedIOException("/debug/syncz is not JSON: " + body, e);
    }
  }

  /** "proxy TYPE version: error" for every type that has a last NACK. */
  List<String> nacks() {
    List<String> out = new ArrayList<>();
    for (JsonNode p : root.path("proxies")) {
      p.path("types")
          .fields()
          .forEachRemaining(
              t -> {
                JsonNode nack = t.getValue().path("lastNack");
                if (!nack.isMissingNode() && !nack.isNull()) {
                  out.add(
                      p.path("proxy").asText()
                          + " "
                          + t.getKey()
                          + " "
                          + nack.path("version").asText()
                          + ": "
                          + nack.path("error").asText());
                }
              });
    }
    return out;
  }

  /** The messages of the configuration errors the control plane reports. */
  List<String> configErrors() {
    List<String> out = new ArrayList<>();
    root.path("configErrors").forEach(e -> out.add(e.path("message").asText()));
    return out;
  }

  Optional<JsonNode> proxy(String nodeId) {
    for (JsonNode p : root.path("proxies")) {
      if (p.path("proxy").asText().equals(nodeId)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The proxy is connected and has ACKed what was last sent for every type it was sent. */
  boolean inSync(String nodeId) {
    return proxy(nodeId)
        .map(
            p -> {
              boolean all = p.path("types").size() > 0;
              for (JsonNode t : p.path("types")) {
                all &= t.path("inSync").asBoolean(false);
              }
              return all;
            })
        .orElse(false);
  }
}
