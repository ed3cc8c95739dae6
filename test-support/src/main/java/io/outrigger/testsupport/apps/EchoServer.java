package io.outrigger.testsupport.apps;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP/1.1 server for tests, run as its own JVM inside a pod: every request is answered 200
 * with JSON naming the server and echoing what arrived ({@code name, method, path, headers, peer}).
 * It uses only the JDK, so its class path is just this class's own location.
 *
 * <p>A request may ask for misbehaviour, so resilience tests need no other app: {@code
 * x-echo-delay-ms: N} answers after N ms (at most 10 s); {@code x-echo-fail-every: N} answers 503
 * to every N-th request carrying it, counting from the first; {@code x-echo-fail-name: NAME}
 * answers 503 when this server is NAME.
 */
public final class EchoServer {
  private static final long MAX_DELAY_MS = 10_000;

  private final String name;
  private final AtomicLong failEveryCount = new AtomicLong();

  private EchoServer(String name) {
    this.name = name;
  }

  public static void main(String[] args) throws IOException {
    int port = -1;
    String name = null;
    String address = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--name" -> name = args[i + 1];
        case "--address" -> address = args[i + 1];
        default ->
            throw new IllegalArgumentException(
                "EchoServer: unknown option "
                    + args[i]
                    + " (usage: --port P --name NAME [--address IP])");
      }
    }
    if (port < 0 || name == null) {
      throw new IllegalArgumentException("EchoServer: usage: --port P --name NAME [--address IP]");
    }
    HttpServer server =
        HttpServer.create(
            address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port),
            64);
    server.createContext("/", new EchoServer(name)::handle);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.start();
    System.out.println(
        "echo-server name=" + name + " port=" + server.getAddress().getPort() + " listening");
  }

  /**
   * The command that starts an EchoServer with this JVM's java binary, e.g. for {@code
   * NetnsPod.start}.
   */
  public static List<String> commandLine(int port, String name) {
    return commandLine(null, port, name);
  }

  /**
   * As {@link #commandLine(int, String)}, listening on {@code address} only (e.g. 127.0.0.1, an app
   * that only its sidecar may reach); null: every address.
   */
  public static List<String> commandLine(String address, int port, String name) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                java,
                "-Xmx32m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                ownLocation(),
                EchoServer.class.getName(),
                "--port",
                String.valueOf(port),
                "--name",
                name));
    if (address != null) {
      command.addAll(List.of("--address", address));
    }
    return List.copyOf(command);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      body.readAllBytes();
      Headers request = exchange.getRequestHeaders();
      delay(request.getFirst("x-echo-delay-ms"));
      byte[] response = describe(exchange).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.getResponseHeaders().set("x-echo-server", name);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(fails(request) ? 503 : 200, head ? -1 : response.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response);
        }
      }
    }
  }

  private static void delay(String millis) {
    if (millis == null) {
      return;
    }
    try {
      Thread.sleep(Math.min(MAX_DELAY_MS, Math.max(0, Long.parseLong(millis.trim()))));
    } catch (NumberFormatException | InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean fails(Headers request) {
    String every = request.getFirst("x-echo-fail-every");
    if (every != null && every.trim().matches("[1-9][0-9]*")) {
      return failEveryCount.getAndIncrement() % Long.parseLong(every.trim()) == 0;
    }
    return name.equals(request.getFirst("x-echo-fail-name"));
  }

  private String describe(HttpExchange exchange) {
    StringBuilder json = new StringBuilder("{");
    field(json, "name", name).append(',');
    field(json, "method", exchange.getRequestMethod()).append(',');
    field(json, "path", exchange.getRequestURI().toString()).append(',');
    json.append("\"headers\":{");
    Map<String, String> headers = headers(exchange.getRequestHeaders());
    String separator = "";
    for (Map.Entry<String, String> header : headers.entrySet()) {
      json.append(separator);
      field(json, header.getKey(), header.getValue());
      separator = ",";
    }
    json.append("},");
    InetSocketAddress peer = exchange.getRemoteAddress();
    field(json, "peer", peer.getAddress().getHostAddress() + ":" + peer.getPort());
    return json.append('}').toString();
  }

  /** Lower-case names; repeated headers joined with ", " as HTTP allows. */
  private static Map<String, String> headers(Headers headers) {
    Map<String, String> flat = new TreeMap<>();
    headers.forEach(
        (key, values) -> flat.put(key.toLowerCase(Locale.ROOT), String.join(", ", values)));
    return flat;
  }

  private static StringBuilder field(StringBuilder json, String key, String value) {
    return quote(json, key).append(':').append(quoteValue(value));
  }

  private static String quoteValue(String value) {
    return quote(new StringBuilder(), value).toString();
  }

  private static StringBuilder quote(StringBuilder json, String text) {
    json.append('"');
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }

  private static String ownLocation() {
    try {
      return Path.of(EchoServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("EchoServer: cannot locate its own class path entry", e);
    }
  }
}
