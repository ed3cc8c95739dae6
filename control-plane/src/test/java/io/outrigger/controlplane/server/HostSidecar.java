package io.outrigger.controlplane.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.sidecar.bootstrap.XdsTransport;
import io.outrigger.testsupport.EnvoyAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The real sidecar bootstrap (the injector's renderer), moved to ephemeral loopback ports so an
 * Envoy can run on the shared test host; plus reading what that Envoy bound and sending it traffic.
 */
final class HostSidecar {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private HostSidecar() {}

  static String plaintextBootstrap(
      String namespace, String pod, String sa, int xdsPort, XdsApiType api) {
    return render(
        params(namespace, pod, sa, xdsPort, api).transport(XdsTransport.PLAINTEXT).build());
  }

  static String tlsBootstrap(
      String namespace,
      String pod,
      String sa,
      int xdsTlsPort,
      XdsApiType api,
      Path tokenFile,
      Path rootCert,
      String serverName) {
    return render(
        params(namespace, pod, sa, xdsTlsPort, api)
            .transport(XdsTransport.TLS_TOKEN)
            .tokenFile(tokenFile)
            .rootCertFile(rootCert)
            .controlPlaneServerName(serverName)
            .build());
  }

  private static BootstrapParams.Builder params(
      String namespace, String pod, String sa, int port, XdsApiType api) {
    return BootstrapParams.builder()
        .namespace(namespace)
        .podName(pod)
        .workloadName(pod)
        .serviceAccount(sa)
        .instanceIp("127.0.0.1")
        .controlPlane(new ControlPlaneAddress("127.0.0.1", port))
        .apiType(api);
  }

  private static String render(BootstrapParams params) {
    ObjectNode tree = new SidecarBootstrap().tree(params);
    ((ObjectNode) tree.at("/admin/address/socket_address")).put("port_value", 0);
    for (JsonNode listener : tree.at("/static_resources/listeners")) {
      ((ObjectNode) listener.at("/address/socket_address"))
          .put("address", "127.0.0.1")
          .put("port_value", 0);
    }
    return tree.toString();
  }

  /** The port Envoy bound for a dynamic listener, once it is active. */
  static Optional<Integer> listenerPort(EnvoyAdmin admin, String listener) {
    try {
      for (JsonNode status :
          JSON.readTree(admin.get("/listeners?format=json")).path("listener_statuses")) {
        if (status.path("name").asText().equals(listener)) {
          int port = status.at("/local_address/socket_address/port_value").asInt();
          return port == 0 ? Optional.empty() : Optional.of(port);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Envoy " + admin.uri() + ": unreadable /listeners", e);
    }
  }

  /** GET through Envoy's listener; the body is the upstream's name. */
  static String get(int port) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.body();
    } catch (IOException e) {
      return "error " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
