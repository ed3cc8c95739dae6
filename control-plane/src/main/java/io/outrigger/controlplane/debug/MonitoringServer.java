package io.outrigger.controlplane.debug;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.XdsResource;
import io.outrigger.controlplane.xds.XdsTypes;
import io.outrigger.injector.webhook.HttpServerLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring port (15014): /metrics (Prometheus), /debug/syncz, /debug/configz,
 * /debug/config_dump?proxy=ID, the mesh view's document /api/mesh and its page /ui. Read-only; bind
 * it where only operators reach.
 */
public final class MonitoringServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MonitoringServer.class);

  private final HttpServer server;
  private final PrometheusMeterRegistry metrics;
  private final DebugSource debug;
  private final ObjectMapper mapper = new ObjectMapper();
  private final SyncJson syncJson = new SyncJson(mapper);
  private final ResourceJson resourceJson = new ResourceJson();
  private final MeshViewJson meshViewJson = new MeshViewJson(mapper, syncJson);
  private final MeshViewAssets assets = new MeshViewAssets();

  /** The mesh view takes GET requests only: a longer target or any body is refused. */
  static final int MAX_TARGET_LENGTH = 2048;

  public MonitoringServer(
      InetSocketAddress bind, PrometheusMeterRegistry metrics, DebugSource debug)
      throws IOException {
    this.metrics = metrics;
    this.debug = debug;
    HttpServerLimits.apply();
    this.server =
        HttpServer.create(bind, 0); // a BindException is named by its owner (ControlPlane)
    // One virtual thread per exchange: slow clients cannot take the threads /metrics needs
    // (docs/limits.md).
    server.setExecutor(
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("outrigger-monitoring-", 0).factory()));
    server.createContext(
        "/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4", metrics.scrape()));
    server.createContext(
        "/debug/syncz",
        ex ->
            json(
                ex,
                200,
                syncJson
                    .syncz(debug.meshVersion(), debug.syncStatus(), debug.configErrors())
                    .toPrettyString()));
    server.createContext(
        "/debug/configz",
        ex -> json(ex, 200, syncJson.errors(debug.configErrors()).toPrettyString()));
    server.createContext("/debug/config_dump", this::configDump);
    server.createContext(
        "/api/mesh",
        ex -> {
          if (readOnly(ex)) {
            json(
                ex,
                200,
                meshViewJson
                    .document(
                        debug.mesh(),
                        debug.configErrors(),
                        debug.traffic(),
                        debug.syncStatus(),
                        debug.proxyWorkloads(),
                        Instant.now())
                    .toPrettyString());
          }
        });
    server.createContext(
        "/ui",
        ex -> {
          if (readOnly(ex)) {
            assets.serve(ex);
          }
        });
    server.start();
    log.info(
        "event=monitoring_listening address={}:{} mesh_view=http://{}:{}/ui",
        bind.getHostString(),
        port(),
        bind.getHostString(),
        port());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void configDump(HttpExchange ex) throws IOException {
    String proxy = query(ex, "proxy");
    if (proxy == null) {
      json(ex, 400, "{\"error\":\"config_dump needs ?proxy=<node id> of a connected proxy\"}");
      return;
    }
    Optional<ProxySnapshot> snapshot = debug.snapshot(proxy);
    if (snapshot.isEmpty()) {
      json(ex, 404, "{\"error\":\"no connected proxy " + proxy.replace("\"", "'") + "\"}");
      return;
    }
    StringBuilder out = new StringBuilder("{\"proxy\":").append(mapper.writeValueAsString(proxy));
    for (String type : XdsTypes.PUSH_ORDER) {
      Map<String, XdsResource> resources = snapshot.get().resources(type);
      out.append(",\n\"").append(XdsTypes.shortName(type)).append("\":[");
      String sep = "";
      for (XdsResource r :
          resources.values().stream().sorted(Comparator.comparing(XdsResource::name)).toList()) {
        out.append(sep)
            .append("\n{\"name\":")
            .append(mapper.writeValueAsString(r.name()))
            .append(",\"version\":\"")
            .append(r.version())
            .append("\",\"resource\":")
            .append(resourceJson.print(r.body()))
            .append('}');
        sep = ",";
      }
      out.append(']');
    }
    json(ex, 200, out.append("}\n").toString());
  }

  /** GET or HEAD, a bounded target, no body; otherwise answered here with 405 or 413 and false. */
  private static boolean readOnly(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      reply(ex, 405, "text/plain; charset=utf-8", "method " + method + " not allowed\n");
      return false;
    }
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    boolean body =
        length != null && !length.equals("0")
            || ex.getRequestHeaders().containsKey("Transfer-Encoding");
    if (body || ex.getRequestURI().toString().length() > MAX_TARGET_LENGTH) {
      reply(
          ex,
          413,
          "text/plain; charset=utf-8",
          "request too large: no body, at most " + MAX_TARGET_LENGTH + " characters of target\n");
      return false;
    }
    return true;
  }

  private static String query(HttpExchange ex, String key) {
    String q = ex.getRequestURI().getRawQuery();
    if (q == null) {
      return null;
    }
    for (String part : q.split("&")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).equals(key)) {
        return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static void json(HttpExchange ex, int status, String body) throws IOException {
    reply(ex, status, "application/json", body);
  }

  static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
