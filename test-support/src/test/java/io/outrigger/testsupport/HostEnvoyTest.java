package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One real Envoy on the host (ports 0 everywhere), shared by the class. */
class HostEnvoyTest {

  static final String DIRECT_RESPONSE_BOOTSTRAP =
      """
            admin:
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            static_resources:
              listeners:
              - name: hello
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: hello
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
                          - match: {prefix: "/"}
                            direct_response: {status: 200, body: {inline_string: "hello from envoy"}}
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
            """;

  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static EnvoyProcess envoy;

  @BeforeAll
  static void startEnvoy() {
    envoy = ENVOYS.start(EnvoyOptions.onHost(DIRECT_RESPONSE_BOOTSTRAP).withLogLevel("debug"));
    envoy.admin().awaitLive(Duration.ofSeconds(20));
  }

  @Test
  void adminPortZeroIsDiscoveredAndAnswers() {
    assertThat(envoy.admin().uri().getHost()).isEqualTo("127.0.0.1");
    assertThat(envoy.admin().uri().getPort()).isPositive();
    assertThat(envoy.admin().get("/server_info")).contains("\"state\": \"LIVE\"");
    assertThat(envoy.isAlive()).isTrue();
  }

  @Test
  void configDumpIsParsedIntoEnvoysProtos() throws Exception {
    ConfigDump dump = envoy.admin().configDump();
    ListenersConfigDump listeners =
        dump.getConfigsList().stream()
            .filter(any -> any.is(ListenersConfigDump.class))
            .findFirst()
            .orElseThrow()
            .unpack(ListenersConfigDump.class);
    Listener hello = listeners.getStaticListeners(0).getListener().unpack(Listener.class);
    assertThat(hello.getName()).isEqualTo("hello");
    HttpConnectionManager hcm =
        hello.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getStatPrefix()).isEqualTo("hello");
  }

  @Test
  void realTrafficShowsInStats() throws Exception {
    long before = envoy.admin().stat("http.hello.downstream_rq_2xx");
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + listenerPort("hello") + "/x"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello from envoy");
    assertThat(envoy.admin().stat("http.hello.downstream_rq_2xx")).isEqualTo(before + 1);
    assertThat(envoy.admin().stats()).containsKey("server.live");
    assertThat(envoy.admin().findStat("no.such.stat")).isEmpty();
  }

  @Test
  void logIsKept() {
    assertThat(envoy.log()).contains("starting main dispatch loop");
  }

  /** The port Envoy actually bound for a port-0 listener, from /listeners. */
  private static int listenerPort(String name) throws Exception {
    JsonNode listeners = new ObjectMapper().readTree(envoy.admin().get("/listeners?format=json"));
    for (JsonNode status : listeners.path("listener_statuses")) {
      if (status.path("name").asText().equals(name)) {
        return status.path("local_address").path("socket_address").path("port_value").asInt();
      }
    }
    throw new AssertionError("listener " + name + " not in /listeners: " + listeners);
  }
}
