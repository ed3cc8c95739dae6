package io.outrigger.hostmode.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's control channel: a unix socket only root can open (0600), one JSON request line
 * in, one JSON response line out per connection. Requests are limited in size; a bad one gets an
 * error, not a crash.
 */
public final class ControlSocket implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);
  static final int MAX_REQUEST_CHARS = 64 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerSocketChannel server;
  private final Path path;
  private final Thread acceptor;

  private ControlSocket(
      ServerSocketChannel server, Path path, Function<JsonNode, JsonNode> handler) {
    this.server = server;
    this.path = path;
    this.acceptor = Thread.ofPlatform().daemon().name("mesh-control").start(() -> accept(handler));
  }

  public static ControlSocket open(Path path, Function<JsonNode, JsonNode> handler)
      throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    return new ControlSocket(server, path, handler);
  }

  /** Sends one request and returns the response (the caller's side). */
  public static JsonNode request(Path path, JsonNode request) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      OutputStream out = Channels.newOutputStream(channel);
      out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        throw new IOException(
            "mesh supervisor at "
                + path
                + " closed the connection without an answer"
                + " (see its log next to the socket)");
      }
      return JSON.readTree(line);
    }
  }

  private void accept(Function<JsonNode, JsonNode> handler) {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        Thread.ofVirtual().name("mesh-control-request").start(() -> serve(client, handler));
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("event=control_accept_failed reason=\"{}\"", e.getMessage());
        }
      }
    }
  }

  private static void serve(SocketChannel client, Function<JsonNode, JsonNode> handler) {
    try (client) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
      JsonNode response;
      String line = readLimited(in);
      try {
        response = handler.apply(JSON.readTree(line));
      } catch (IOException | RuntimeException e) {
        ObjectNode error = JSON.createObjectNode().put("ok", false);
        error.putArray("errors").add(e.getMessage() == null ? e.toString() : e.getMessage());
        LOG.warn("event=control_request_failed reason=\"{}\"", e.getMessage(), e);
        response = error;
      }
      OutputStream out = Channels.newOutputStream(client);
      out.write((JSON.writeValueAsString(response) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      LOG.warn("event=control_connection_failed reason=\"{}\"", e.getMessage());
    }
  }

  private static String readLimited(BufferedReader in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (line.length() >= MAX_REQUEST_CHARS) {
        throw new IOException("control request larger than " + MAX_REQUEST_CHARS + " characters");
      }
      line.append((char) c);
    }
    return line.toString();
  }

  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("event=control_close_failed reason=\"{}\"", e.getMessage());
    }
    acceptor.interrupt();
  }
}
