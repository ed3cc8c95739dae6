package io.outrigger.cni.install;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code GET /readyz} for the DaemonSet's readiness probe: 200 when the node is ready for meshed
 * pods ({@link CniInstaller#notReadyReason()} is empty), else 503 with the reason. Evaluated on
 * every request, so a conflist rewritten by the primary CNI turns the pod unready until the watcher
 * has put us back.
 */
public final class ReadinessServer implements AutoCloseable {
  private final HttpServer server;

  public ReadinessServer(int port, Supplier<Optional<String>> notReadyReason) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "readiness port " + port + ": cannot listen: " + e.getMessage(), e);
    }
    server.createContext(
        "/readyz",
        exchange -> {
          Optional<String> reason = notReadyReason.get();
          byte[] body =
              (reason.map(r -> "not ready: " + r).orElse("ready") + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(reason.isPresent() ? 503 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
