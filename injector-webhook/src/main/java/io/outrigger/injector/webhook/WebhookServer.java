package io.outrigger.injector.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * The HTTPS admission webhook: {@code POST /inject} (AdmissionReview), {@code POST /validate} when
 * a {@link ConfigValidator} is given (the control plane hosts it), {@code /healthz} and {@code
 * /metrics}. Errors are answered as one line of text naming the problem, never a stack trace.
 */
public final class WebhookServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);

  /**
   * Marks the event that says the webhook serves now (the CLI shows its held start-up log then).
   */
  private static final Marker READY = MarkerFactory.getMarker("READY");

  /** Deepest JSON nesting of a review; deeper is a 400 (a Pod nests about 10 levels). */
  public static final int MAX_NESTING_DEPTH = 128;

  private static final String NODELAY = "sun.net.httpserver.nodelay";

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ServingKeyManager keys;
  private final AdmissionReviews reviews;
  private final WebhookMetrics metrics = new WebhookMetrics();
  private final int maxBodyBytes;

  private WebhookServer(
      InetSocketAddress address,
      Supplier<ServingKeys> servingKeys,
      InjectorConfig injector,
      int maxBodyBytes,
      AdmissionContext context,
      ConfigValidator validator)
      throws IOException, GeneralSecurityException {
    this.keys = new ServingKeyManager(servingKeys);
    this.reviews =
        new AdmissionReviews(
            reviewJson(maxBodyBytes),
            new SidecarInjector(injector, new SidecarBootstrap()),
            context,
            validator);
    this.maxBodyBytes = maxBodyBytes;
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {keys}, null, null);
    HttpServerLimits.apply();
    this.server = HttpsServer.create(address, 256);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    // One virtual thread per exchange: a slow client (slowloris) holds one until
    // MAX_REQUEST_SECONDS, never a
    // platform thread the other reviews need (docs/limits.md).
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-", 0).factory());
    server.setExecutor(executor);
    server.createContext("/inject", exchange -> admit(exchange, reviews::review));
    if (validator != null) {
      server.createContext("/validate", exchange -> admit(exchange, reviews::validate));
    }
    server.createContext(
        "/healthz",
        exchange ->
            guarded(
                exchange,
                () -> {
                  // Read what a client sent, bounded, so its keep-alive connection stays usable.
                  try (InputStream in = exchange.getRequestBody()) {
                    in.readNBytes(maxBodyBytes);
                  }
                  send(exchange, 200, "text/plain", "ok\n");
                }));
    server.createContext(
        "/metrics",
        exchange ->
            guarded(
                exchange,
                () ->
                    send(
                        exchange,
                        200,
                        "text/plain; version=0.0.4; charset=utf-8",
                        metrics.scrape())));
    server.createContext(
        "/",
        exchange ->
            guarded(
                exchange,
                () ->
                    send(
                        exchange,
                        404,
                        "text/plain",
                        "no such path: " + exchange.getRequestURI().getPath() + "\n")));
  }

  /**
   * How reviews are read. Strict: a review with trailing garbage or duplicate keys is malformed,
   * not guessed at. Limits (docs/limits.md): a Pod nests about 10 levels; the body is already
   * bounded by maxBodyBytes.
   */
  static ObjectMapper reviewJson(int maxBodyBytes) {
    StreamReadConstraints limits =
        StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxDocumentLength(maxBodyBytes)
            .build();
    return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(limits).build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /**
   * Starts the standalone webhook, serving the certificate in the settings' files (reloaded when
   * they change); the port in the settings may be 0 for any free port.
   */
  public static WebhookServer start(WebhookSettings settings) throws IOException {
    ReloadingPemKeys files =
        new ReloadingPemKeys(
            settings.certFile(),
            settings.keyFile(),
            settings.certCheckInterval(),
            Clock.systemUTC());
    return start(
        settings.address(),
        files,
        settings.injector(),
        settings.maxBodyBytes(),
        AdmissionContext.NONE,
        null);
  }

  /**
   * Starts the webhook as the control plane hosts it: the serving keys from the mesh CA (whatever
   * {@code keys} holds at each handshake), what the control plane knows of namespaces and tags, and
   * {@code /validate} answered by {@code validator}.
   */
  public static WebhookServer start(
      InetSocketAddress address,
      Supplier<ServingKeys> keys,
      InjectorConfig injector,
      AdmissionContext context,
      ConfigValidator validator)
      throws IOException {
    return start(address, keys, injector, WebhookSettings.DEFAULT_MAX_BODY, context, validator);
  }

  private static WebhookServer start(
      InetSocketAddress address,
      Supplier<ServingKeys> keys,
      InjectorConfig injector,
      int maxBodyBytes,
      AdmissionContext context,
      ConfigValidator validator)
      throws IOException {
    // The JDK server writes headers and body separately; without TCP_NODELAY a multi-record TLS
    // response waits for the client's delayed ACK (~40 ms per review). The JDK reads this once,
    // when its HTTP server first loads, so set it before creating one unless someone chose already.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    try {
      WebhookServer webhook =
          new WebhookServer(address, keys, injector, maxBodyBytes, context, validator);
      webhook.server.start();
      log.info(
          READY,
          "event=webhook_started address={} revision={} validate={}",
          webhook.address(),
          injector.revision(),
          validator != null);
      return webhook;
    } catch (GeneralSecurityException e) {
      throw new IOException("webhook TLS setup failed: " + e.getMessage(), e);
    } catch (BindException e) {
      // The JDK's message is "Address already in use" alone: say which address.
      throw (BindException)
          new BindException(
                  "webhook "
                      + address.getHostString()
                      + ":"
                      + address.getPort()
                      + ": "
                      + e.getMessage())
              .initCause(e);
    }
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The certificate the server presents now (after a reload, the new one). */
  public X509Certificate servingCertificate() {
    return keys.leaf();
  }

  private interface Action {
    void run() throws IOException;
  }

  private interface Review {
    AdmissionReviews.Answer answer(byte[] body) throws BadRequestException;
  }

  private void admit(HttpExchange exchange, Review review) {
    guarded(
        exchange,
        () -> {
          long start = System.nanoTime();
          try {
            if (!exchange.getRequestMethod().equals("POST")) {
              throw new BadRequestException(405, "use POST with an AdmissionReview body");
            }
            AdmissionReviews.Answer answer = review.answer(readBody(exchange));
            record(answer);
            send(exchange, 200, "application/json", reviews.bytes(answer.review()));
          } catch (BadRequestException e) {
            metrics.request("error");
            metrics.error(String.valueOf(e.status()));
            log.info(
                "event=admission_rejected status={} reason=\"{}\"", e.status(), e.getMessage());
            send(exchange, e.status(), "text/plain", e.getMessage() + "\n");
          } finally {
            metrics.latency(System.nanoTime() - start);
          }
        });
  }

  private void record(AdmissionReviews.Answer answer) {
    metrics.request(answer.outcome().name().toLowerCase(Locale.ROOT));
    switch (answer.outcome()) {
      case INJECTED -> {
        metrics.injected();
        log.debug("event=pod_injected pod={}", answer.subject());
      }
      case SKIPPED -> {
        metrics.skipped(answer.result().decision().skip().label());
        log.debug(
            "event=pod_skipped pod={} reason=\"{}\"",
            answer.subject(),
            answer.result().decision().reason());
      }
      case DENIED -> log.info("event=pod_denied pod={}", answer.subject());
      case IGNORED -> log.debug("event=review_ignored object=\"{}\"", answer.subject());
      case VALID -> log.debug("event=config_admitted {}", answer.subject());
      case INVALID -> log.info("event=config_refused {}", answer.subject());
    }
  }

  private byte[] readBody(HttpExchange exchange) throws IOException, BadRequestException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null && parseLength(declared) > maxBodyBytes) {
      throw new BadRequestException(
          413,
          "request body of " + declared + " bytes is over the limit of " + maxBodyBytes + " bytes");
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(maxBodyBytes + 1);
      if (body.length > maxBodyBytes) {
        throw new BadRequestException(
            413, "request body is over the limit of " + maxBodyBytes + " bytes");
      }
      return body;
    }
  }

  private static long parseLength(String value) throws BadRequestException {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new BadRequestException(400, "Content-Length '" + value + "' is not a number");
    }
  }

  /** Runs a handler; anything unexpected becomes a 500 with a one-line message, logged once. */
  private void guarded(HttpExchange exchange, Action action) {
    try (exchange) {
      try {
        action.run();
      } catch (IOException e) {
        log.debug(
            "event=connection_error path={} reason=\"{}\"",
            exchange.getRequestURI().getPath(),
            e.getMessage());
      } catch (RuntimeException | Error e) {
        metrics.error("internal");
        log.error(
            "event=internal_error path={} error={} reason=\"{}\"",
            exchange.getRequestURI().getPath(),
            e.getClass().getSimpleName(),
            e.getMessage());
        try {
          send(
              exchange,
              500,
              "text/plain",
              "internal error: " + e.getClass().getSimpleName() + "\n");
        } catch (IOException | RuntimeException ignored) {
          // The response may already be under way; the connection closes either way.
        }
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] bytes)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("event=webhook_stopped address={}", address());
  }
}
