package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.EnvoyValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Envoy, real HTTP on loopback: the generated outbound listener, route configuration "9080",
 * subset clusters and endpoints, loaded statically into Envoy, route requests to three echo servers
 * as the VirtualService says (header match, URI regex/prefix, 90/10 weights, first match wins).
 */
class OutboundRoutingEnvoyTest {
  @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();
  @TempDir static Path dir;

  private static final String REVIEWS_HOST = "reviews.default.svc.cluster.local:9080";
  private static final Pattern SERVED_BY = Pattern.compile("(?im)^x-echo-server:\\s*(\\S+)");
  private static EchoProcesses echoes;
  private static int port;

  @BeforeAll
  static void startEnvoyWithGeneratedRoutes() throws IOException {
    echoes = new EchoProcesses();
    String mesh =
        new String(
                OutboundRoutingEnvoyTest.class
                    .getResourceAsStream("/routing/mesh.yaml.template")
                    .readAllBytes(),
                StandardCharsets.UTF_8)
            .replace("${V1_PORT}", Integer.toString(echoes.start("v1")))
            .replace("${V2_PORT}", Integer.toString(echoes.start("v2")))
            .replace("${V3_PORT}", Integer.toString(echoes.start("v3")));
    Files.writeString(dir.resolve("mesh.yaml"), mesh);
    MeshConfig config = MeshFixtures.load(dir);
    assertThat(config.errors()).isEmpty();
    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults())
            .generate(
                config, ProxyNode.sidecar(config.workload("default", "client").orElseThrow()));

    EnvoyProcess envoy = envoys.start(EnvoyOptions.onHost(bootstrap(resources)));
    port = listenerPort(envoy);
  }

  @AfterAll
  static void stopEchoes() {
    if (echoes != null) {
      echoes.close();
    }
  }

  @Test
  void headerMatchAlwaysReachesV3() throws IOException {
    for (int i = 0; i < 50; i++) {
      assertThat(get("/reviews/1", Map.of("end-user", "jason"))).isEqualTo("v3");
    }
  }

  @Test
  void uriRegexAndPrefixMatchesReachV2() throws IOException {
    assertThat(get("/v2/42", Map.of())).isEqualTo("v2");
    assertThat(get("/beta/anything", Map.of())).isEqualTo("v2");
  }

  @Test
  void firstMatchWinsOverLaterRoutes() throws IOException {
    assertThat(get("/beta", Map.of("end-user", "jason"))).isEqualTo("v3");
  }

  @Test
  void weightedRouteSplitsNinetyTen() throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    int requests = 1000;
    for (int i = 0; i < requests; i++) {
      counts.merge(get("/reviews/" + i, Map.of()), 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsOnly("v1", "v2");
    assertThat(counts.get("v1") * 100.0 / requests).isBetween(86.0, 94.0);
  }

  /**
   * The generated resources Envoy needs for outbound HTTP, as a static bootstrap: the reviews VIP
   * listener moved to 127.0.0.1:0 (tests never bind fixed ports), every cluster and assignment,
   * routes inlined.
   */
  private static String bootstrap(ProxyResources resources) throws IOException {
    List<Message> parts = new ArrayList<>();
    Listener vip = (Listener) resources.listeners().get("198.19.30.2_9080").resource();
    parts.add(
        vip.toBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(0)))
            .setBindToPort(BoolValue.of(true))
            .build());
    resources.clusters().values().forEach(r -> parts.add(r.resource()));
    resources.endpoints().values().forEach(r -> parts.add(r.resource()));
    resources.routes().values().forEach(r -> parts.add(r.resource()));
    ObjectMapper json = new ObjectMapper();
    ObjectNode bootstrap = (ObjectNode) json.readTree(EnvoyValidator.staticBootstrap(parts));
    bootstrap
        .putObject("admin")
        .putObject("address")
        .putObject("socket_address")
        .put("address", "127.0.0.1")
        .put("port_value", 0);
    return json.writeValueAsString(bootstrap);
  }

  private static int listenerPort(EnvoyProcess envoy) throws IOException {
    JsonNode listeners = new ObjectMapper().readTree(envoy.admin().get("/listeners?format=json"));
    return listeners
        .path("listener_statuses")
        .get(0)
        .path("local_address")
        .path("socket_address")
        .path("port_value")
        .asInt();
  }

  /**
   * One HTTP/1.1 request with the Host a client of reviews would send; returns which version
   * answered.
   */
  private static String get(String path, Map<String, String> headers) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(5000);
      StringBuilder request =
          new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + REVIEWS_HOST + "\r\n");
      headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      request.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).as("response to %s", path).startsWith("HTTP/1.1 200");
      Matcher served = SERVED_BY.matcher(response);
      assertThat(served.find()).as("x-echo-server header in %s", response).isTrue();
      return served.group(1);
    }
  }
}
