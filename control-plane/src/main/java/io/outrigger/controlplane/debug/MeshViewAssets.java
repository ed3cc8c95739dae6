package io.outrigger.controlplane.debug;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The mesh view's files, served from the jar: a fixed table from request path to classpath
 * resource, so no request names a file of its own (no directory traversal), with the content type
 * each needs. The graph library is cytoscape.js from its WebJar on Maven Central.
 */
final class MeshViewAssets {
  static final String CYTOSCAPE =
      "META-INF/resources/webjars/cytoscape/3.33.1/dist/cytoscape.min.js";
  private static final String OWN = "io/outrigger/controlplane/meshview/";
  private static final String HTML = "text/html; charset=utf-8";
  private static final String JS = "text/javascript; charset=utf-8";
  private static final String CSS = "text/css; charset=utf-8";

  record Asset(String contentType, byte[] body) {}

  private final Map<String, Asset> byPath;

  MeshViewAssets() {
    Asset index = load(OWN + "index.html", HTML);
    this.byPath =
        Map.of(
            "/ui", index,
            "/ui/", index,
            "/ui/mesh-view.js", load(OWN + "mesh-view.js", JS),
            "/ui/mesh-view.css", load(OWN + "mesh-view.css", CSS),
            "/ui/lib/cytoscape.min.js", load(CYTOSCAPE, JS));
  }

  /**
   * Read once at start: a jar missing one fails the control plane's start, not a later page view.
   */
  private static Asset load(String resource, String type) {
    try (InputStream in = MeshViewAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "mesh view: resource " + resource + " is missing from the jar");
      }
      return new Asset(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("mesh view: cannot read resource " + resource, e);
    }
  }

  void serve(HttpExchange ex) throws IOException {
    Asset asset = byPath.get(ex.getRequestURI().getPath());
    if (asset == null) {
      MonitoringServer.reply(ex, 404, "text/plain; charset=utf-8", "not found\n");
      return;
    }
    ex.getResponseHeaders().set("Content-Type", asset.contentType());
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(200, head ? -1 : asset.body().length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(asset.body());
      }
    }
  }
}
