package io.outrigger.controlplane.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** Reads the control plane's monitoring port over real HTTP, as an operator would. */
record MonitoringClient(int port) {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  HttpResponse<String> get(String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("monitoring port " + port + path + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JsonNode json(String path) {
    HttpResponse<String> response = get(path);
    if (response.statusCode() != 200) {
      throw new AssertionError(path + ": HTTP " + response.statusCode() + ": " + response.body());
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(path + ": not JSON: " + response.body(), e);
    }
  }

  /** The /debug/syncz entry of one proxy, if it is connected. */
  Optional<JsonNode> proxy(String proxyId) {
    for (JsonNode p : json("/debug/syncz").path("proxies")) {
      if (p.path("proxy").asText().equals(proxyId)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** True when every type the proxy subscribed to has ACKed what was last sent. */
  static boolean inSync(JsonNode proxy) {
    JsonNode types = proxy.path("types");
    if (types.isEmpty()) {
      return false;
    }
    for (JsonNode t : types) {
      if (!t.path("inSync").asBoolean()) {
        return false;
      }
    }
    return true;
  }
}
