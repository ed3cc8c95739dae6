package io.outrigger.sidecar.probes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.sidecar.AppHealthPaths;
import io.outrigger.sidecar.MeshKeys;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code outrigger.io/app-probes} annotation: JSON mapping each app-health path ({@link
 * AppHealthPaths}) to the app's original probe. The injector writes it, the control plane reads it
 * (and routes each path to the app), so both sides use this one codec.
 */
public final class AppProbesAnnotation {
  public static final String KEY = MeshKeys.APP_PROBES;
  private static final ObjectMapper JSON = new ObjectMapper();

  private AppProbesAnnotation() {}

  /**
   * The annotation's value for the original probes keyed by their app-health path (written in path
   * order).
   */
  public static String encode(Map<String, ? extends JsonNode> originalsByPath) {
    ObjectNode byPath = JsonNodeFactory.instance.objectNode();
    new TreeMap<>(originalsByPath).forEach(byPath::set);
    return byPath.toString();
  }

  public static List<AppProbe> parse(Map<String, String> annotations)
      throws InvalidAppProbesException {
    String value = annotations == null ? null : annotations.get(KEY);
    if (value == null || value.isBlank()) {
      return List.of();
    }
    String where = "metadata.annotations[" + KEY + "]";
    JsonNode byPath;
    try {
      byPath = JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new InvalidAppProbesException(where + ": invalid JSON: " + e.getOriginalMessage());
    }
    if (!byPath.isObject()) {
      throw new InvalidAppProbesException(where + ": must be a JSON object of path to probe");
    }
    List<AppProbe> probes = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = byPath.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!AppHealthPaths.isAppHealthPath(e.getKey())) {
        throw new InvalidAppProbesException(
            where + ": path \"" + e.getKey() + "\" is not under " + AppHealthPaths.PREFIX);
      }
      probes.add(probe(e.getKey(), e.getValue(), where + "[" + e.getKey() + "]"));
    }
    return probes;
  }

  private static AppProbe probe(String path, JsonNode probe, String where)
      throws InvalidAppProbesException {
    if (probe.has("httpGet")) {
      JsonNode http = probe.get("httpGet");
      if ("HTTPS".equalsIgnoreCase(http.path("scheme").asText("HTTP"))) {
        throw new InvalidAppProbesException(
            where + ": HTTPS probes are not supported by the sidecar yet");
      }
      return new AppProbe(
          path, AppProbe.Kind.HTTP_GET, port(http, where), http.path("path").asText("/"), "");
    }
    if (probe.has("tcpSocket")) {
      return new AppProbe(
          path, AppProbe.Kind.TCP_SOCKET, port(probe.get("tcpSocket"), where), "", "");
    }
    if (probe.has("grpc")) {
      JsonNode grpc = probe.get("grpc");
      return new AppProbe(
          path, AppProbe.Kind.GRPC, port(grpc, where), "", grpc.path("service").asText(""));
    }
    throw new InvalidAppProbesException(where + ": needs httpGet, tcpSocket or grpc");
  }

  private static int port(JsonNode handler, String where) throws InvalidAppProbesException {
    JsonNode port = handler.path("port");
    if (!port.canConvertToInt() || port.asInt() < 1 || port.asInt() > 65535) {
      throw new InvalidAppProbesException(
          where + ": port " + port + " is not a number in 1..65535");
    }
    return port.asInt();
  }
}
