package io.outrigger.injector.webhook;

import java.util.Map;

/**
 * The limits of the JDK HTTP server under the webhook and the control plane's monitoring port
 * (docs/limits.md). They are JVM-wide system properties that the JDK reads once, when the first
 * server of the JVM starts: both servers call {@link #apply()} before creating theirs, and an
 * operator's own -D setting wins. Each connection's request is read on a virtual thread (the
 * servers' executors), so slow clients hold cheap threads and connections, both bounded here, not
 * the server's platform threads.
 */
public final class HttpServerLimits {
  /** Open connections per server; past it new ones are closed on accept. */
  public static final int MAX_CONNECTIONS = 512;

  /**
   * A request (its TLS handshake, request line, headers and body) must arrive within this, or is
   * closed.
   */
  public static final int MAX_REQUEST_SECONDS = 10;

  /** A response must be written within this. */
  public static final int MAX_RESPONSE_SECONDS = 30;

  /** Request headers: how many, and how many bytes in all (a review's headers are under 1 KiB). */
  public static final int MAX_HEADERS = 100;

  public static final int MAX_HEADER_BYTES = 64 * 1024;

  private static final Map<String, String> PROPERTIES =
      Map.of(
          "jdk.httpserver.maxConnections", String.valueOf(MAX_CONNECTIONS),
          "sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS),
          "sun.net.httpserver.maxRspTime", String.valueOf(MAX_RESPONSE_SECONDS),
          "sun.net.httpserver.maxReqHeaders", String.valueOf(MAX_HEADERS),
          "sun.net.httpserver.maxReqHeaderSize", String.valueOf(MAX_HEADER_BYTES));

  private HttpServerLimits() {}

  /** Sets the limits not already set; call before the JVM's first HttpServer is created. */
  public static void apply() {
    PROPERTIES.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            System.setProperty(k, v);
          }
        });
  }
}
