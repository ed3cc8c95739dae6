package io.outrigger.controlplane.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** GETs a JSON page of a control plane's monitoring port, with time and size limits. */
public final class MonitoringHttp {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_BYTES = 32 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private MonitoringHttp() {}

  /**
   * @throws UncheckedIOException naming the URL when the control plane does not answer 200 with
   *     JSON
   */
  public static JsonNode getJson(URI base, String path) {
    URI uri = base.resolve(path);
    HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    try {
      HttpResponse<InputStream> r =
          client.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(MAX_BYTES + 1);
      }
      if (body.length > MAX_BYTES) {
        throw new IOException("answer larger than " + MAX_BYTES + " bytes");
      }
      String text = new String(body, StandardCharsets.UTF_8);
      if (r.statusCode() != 200) {
        throw new IOException(
            "HTTP " + r.statusCode() + ": " + text.lines().findFirst().orElse(""));
      }
      return JSON.readTree(text);
    } catch (java.net.ConnectException e) {
      // The JDK's client says only "ConnectException: ClosedChannelException" here.
      throw new IllegalArgumentException(
          "control plane " + uri + ": connection refused (is the mesh running?)");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("control plane " + uri + ": not JSON", e);
    } catch (IOException e) {
      throw new UncheckedIOException("control plane " + uri + ": cannot read", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + uri, e);
    } finally {
      client.close();
    }
  }
}
