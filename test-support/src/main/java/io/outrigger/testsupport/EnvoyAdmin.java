package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.outrigger.hostnet.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Typed access to one Envoy's admin API. For an Envoy in a pod the admin listens on the pod's
 * loopback, so requests are made with curl inside the pod's network namespace; on the host,
 * directly.
 */
public final class EnvoyAdmin {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final String STATUS_MARK = "\n__outrigger_status=";

  private final URI uri;
  private final NetnsPod pod;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  EnvoyAdmin(URI uri, NetnsPod pod) {
    this.uri = uri;
    this.pod = pod;
    this.http =
        pod == null ? HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build() : null;
  }

  /**
   * The admin's base address, e.g. {@code http://127.0.0.1:41234} (in the pod's netns for a pod
   * Envoy).
   */
  public URI uri() {
    return uri;
  }

  /** GET a path (with its query) and return the body; throws when the status is not 200. */
  public String get(String path) {
    return request("GET", path);
  }

  /**
   * POST a path, e.g. {@code /healthcheck/fail} or {@code /logging?level=debug}; returns the body.
   */
  public String post(String path) {
    return request("POST", path);
  }

  /**
   * {@code /config_dump?include_eds}, parsed into Envoy's protos (every Any resolvable with {@link
   * EnvoyTypes}).
   */
  public ConfigDump configDump() {
    String body = get("/config_dump?include_eds");
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    try {
      EnvoyTypes.parser().merge(body, dump);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "Envoy " + uri + ": cannot parse /config_dump: " + e.getMessage(), e);
    }
    return dump.build();
  }

  /** Counters and gauges by name (histograms left out). */
  public Map<String, Long> stats() {
    Map<String, Long> stats = new LinkedHashMap<>();
    try {
      for (JsonNode stat : json.readTree(get("/stats?format=json")).path("stats")) {
        if (stat.has("value")) {
          stats.put(stat.get("name").asText(), stat.get("value").asLong());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Envoy " + uri + ": cannot parse /stats?format=json", e);
    }
    return stats;
  }

  /**
   * One counter or gauge; 0 when Envoy has not created it. Envoy creates many stats (e.g. {@code
   * cluster.X.upstream_rq_200}) only when first incremented, so absent means zero.
   */
  public long stat(String name) {
    return findStat(name).orElse(0L);
  }

  /** One counter or gauge, empty when Envoy has none of that name. */
  public Optional<Long> findStat(String name) {
    return Optional.ofNullable(stats().get(name));
  }

  /** The text of {@code /clusters}: every host of every cluster with its health and counters. */
  public String clusters() {
    return get("/clusters");
  }

  /**
   * Waits until {@code /ready} says LIVE, i.e. Envoy finished initializing (xDS delivered what it
   * waits for).
   */
  public void awaitLive(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      AdminResponse ready = send("GET", "/ready");
      last = ready.status() + " " + ready.body().strip();
      if (ready.status() == 200 && ready.body().strip().equals("LIVE")) {
        return;
      }
      sleep(Duration.ofMillis(100));
    }
    throw new AssertionError(
        "Envoy " + uri + ": not LIVE after " + timeout + ", /ready answered: " + last);
  }

  /** True when the admin API answers at all (any status). */
  boolean answers() {
    try {
      send("GET", "/server_info");
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private String request(String method, String path) {
    AdminResponse response = send(method, path);
    if (response.status() != 200) {
      throw new IllegalStateException(
          "Envoy "
              + uri
              + ": "
              + method
              + " "
              + path
              + " answered "
              + response.status()
              + ": "
              + response.body().strip());
    }
    return response.body();
  }

  private AdminResponse send(String method, String path) {
    return pod == null ? sendFromHost(method, path) : sendInPod(method, path);
  }

  private AdminResponse sendFromHost(String method, String path) {
    HttpRequest request =
        HttpRequest.newBuilder(uri.resolve(path))
            .timeout(REQUEST_TIMEOUT)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new AdminResponse(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("Envoy " + uri + ": " + method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling Envoy " + uri, e);
    }
  }

  private AdminResponse sendInPod(String method, String path) {
    ExecResult result =
        pod.exec(
            "curl",
            "-sS",
            "--max-time",
            String.valueOf(REQUEST_TIMEOUT.toSeconds()),
            "-X",
            method,
            "--write-out",
            STATUS_MARK + "%{http_code}",
            uri.resolve(path).toString());
    int mark = result.stdout().lastIndexOf(STATUS_MARK);
    if (!result.succeeded() || mark < 0) {
      throw new IllegalStateException(
          "Envoy "
              + uri
              + " in pod "
              + pod.name()
              + ": "
              + method
              + " "
              + path
              + " failed: "
              + result.stderr().strip());
    }
    int status = Integer.parseInt(result.stdout().substring(mark + STATUS_MARK.length()).strip());
    return new AdminResponse(status, result.stdout().substring(0, mark));
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private record AdminResponse(int status, String body) {}
}
