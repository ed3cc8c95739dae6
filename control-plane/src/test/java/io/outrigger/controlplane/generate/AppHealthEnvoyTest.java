package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.outrigger.controlplane.generate.listener.AppHealthFactory;
import io.outrigger.sidecar.probes.AppProbe;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.EnvoyValidator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real Envoy on loopback with the generated 15020 app-health listener (moved to port 0) and its
 * probe clusters: HTTP probes reach the app's own probe path, TCP probes answer from active health
 * checking.
 */
class AppHealthEnvoyTest {
  @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static EchoProcesses echoes;
  private static int port;

  @BeforeAll
  static void startEnvoy() throws IOException {
    echoes = new EchoProcesses();
    int app = echoes.start("app");
    int closed;
    try (ServerSocket free = new ServerSocket(0)) {
      closed = free.getLocalPort(); // nothing listens there once closed
    }
    List<AppProbe> probes =
        List.of(
            new AppProbe("/app-health/app/livez", AppProbe.Kind.HTTP_GET, app, "/healthz", ""),
            new AppProbe("/app-health/app/readyz", AppProbe.Kind.TCP_SOCKET, app, "", ""),
            new AppProbe(
                "/app-health/sidecar-less/readyz", AppProbe.Kind.TCP_SOCKET, closed, "", ""));
    List<Message> parts = new ArrayList<>(AppHealthFactory.clusters(probes).values());
    parts.add(
        AppHealthFactory.listener(probes).toBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(0)))
            .build());
    ObjectMapper json = new ObjectMapper();
    ObjectNode bootstrap = (ObjectNode) json.readTree(EnvoyValidator.staticBootstrap(parts));
    bootstrap
        .putObject("admin")
        .putObject("address")
        .putObject("socket_address")
        .put("address", "127.0.0.1")
        .put("port_value", 0);
    EnvoyProcess envoy = envoys.start(EnvoyOptions.onHost(json.writeValueAsString(bootstrap)));
    JsonNode listeners = json.readTree(envoy.admin().get("/listeners?format=json"));
    port =
        listeners
            .path("listener_statuses")
            .get(0)
            .path("local_address")
            .path("socket_address")
            .path("port_value")
            .asInt();
  }

  @AfterAll
  static void stopEchoes() {
    if (echoes != null) {
      echoes.close();
    }
  }

  @Test
  void httpProbeReachesTheAppsProbePath() throws Exception {
    HttpResponse<String> response = get("/app-health/app/livez");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"path\":\"/healthz\"");
  }

  @Test
  void tcpProbeIsHealthyWhileTheAppPortAccepts() {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(get("/app-health/app/readyz").statusCode()).isEqualTo(200));
  }

  @Test
  void tcpProbeFailsWhenNothingListens() throws Exception {
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);

    assertThat(get("/app-health/sidecar-less/readyz").statusCode()).isEqualTo(503);
  }

  @Test
  void unknownPathIsNotFound() throws Exception {
    assertThat(get("/app-health/other/livez").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
