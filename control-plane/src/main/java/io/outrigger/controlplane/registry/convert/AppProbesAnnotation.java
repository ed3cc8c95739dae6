package io.outrigger.controlplane.registry.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.controlplane.model.AppProbe;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the injector's {@code outrigger.io/app-probes} annotation: JSON mapping each 15020 path
 * ({@code /app-health/<container>/<livez|readyz|startupz>}) to the app's original probe.
 */
public final class AppProbesAnnotation {
    public static final String KEY = "outrigger.io/app-probes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AppProbesAnnotation() {
    }

    public static List<AppProbe> parse(Map<String, String> annotations) throws InvalidConfigException {
        String value = annotations == null ? null : annotations.get(KEY);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        String where = "metadata.annotations[" + KEY + "]";
        JsonNode byPath;
        try {
            byPath = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(where + ": invalid JSON: " + e.getOriginalMessage());
        }
        if (!byPath.isObject()) {
            throw new InvalidConfigException(where + ": must be a JSON object of path to probe");
        }
        List<AppProbe> probes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = byPath.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().startsWith("/app-health/")) {
                throw new InvalidConfigException(where + ": path \"" + e.getKey() + "\" is not under /app-health/");
            }
            probes.add(probe(e.getKey(), e.getValue(), where + "[" + e.getKey() + "]"));
        }
        return probes;
    }

    private static AppProbe probe(String path, JsonNode probe, String where) throws InvalidConfigException {
        if (probe.has("httpGet")) {
            JsonNode http = probe.get("httpGet");
            if ("HTTPS".equalsIgnoreCase(http.path("scheme").asText("HTTP"))) {
                throw new InvalidConfigException(where + ": HTTPS probes are not supported by the sidecar yet");
            }
            return new AppProbe(path, AppProbe.Kind.HTTP_GET, port(http, where), http.path("path").asText("/"), "");
        }
        if (probe.has("tcpSocket")) {
            return new AppProbe(path, AppProbe.Kind.TCP_SOCKET, port(probe.get("tcpSocket"), where), "", "");
        }
        if (probe.has("grpc")) {
            JsonNode grpc = probe.get("grpc");
            return new AppProbe(path, AppProbe.Kind.GRPC, port(grpc, where), "", grpc.path("service").asText(""));
        }
        throw new InvalidConfigException(where + ": needs httpGet, tcpSocket or grpc");
    }

    private static int port(JsonNode handler, String where) throws InvalidConfigException {
        JsonNode port = handler.path("port");
        if (!port.canConvertToInt() || port.asInt() < 1 || port.asInt() > 65535) {
            throw new InvalidConfigException(where + ": port " + port + " is not a number in 1..65535");
        }
        return port.asInt();
    }
}
