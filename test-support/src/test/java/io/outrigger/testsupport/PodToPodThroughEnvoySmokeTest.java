package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.apps.EchoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The harness's acceptance smoke test: an HTTP echo server in pod B is reached from pod A through a
 * real Envoy (static bootstrap) running in pod A as UID/GID 1337, as a sidecar would.
 */
class PodToPodThroughEnvoySmokeTest {

  private static final int ECHO_PORT = 8080;
  private static final int ENVOY_LISTENER_PORT = 15080;

  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static PodNetwork network;
  private static NetnsPod podA;
  private static NetnsPod podB;
  private static EnvoyProcess sidecar;

  @BeforeAll
  static void startPodsEchoServerAndSidecar() {
    network = PodNetwork.create();
    podA = network.addPod(PodSpec.named("a"));
    podB = network.addPod(PodSpec.named("b"));
    podB.start(EchoServer.commandLine(ECHO_PORT, "b"), false);
    podB.awaitListening(ECHO_PORT, Duration.ofSeconds(20));
    String bootstrap = bootstrap(podB.ip());
    EnvoyValidator.validateBootstrap(bootstrap);
    sidecar = ENVOYS.start(EnvoyOptions.inPod(podA, bootstrap));
    sidecar.admin().awaitLive(Duration.ofSeconds(20));
  }

  @AfterAll
  static void removePods() {
    if (network != null) {
      network.close();
    }
  }

  @Test
  void echoServerInPodBAnswersThroughEnvoyInPodA() {
    long before = sidecar.admin().stat("cluster.echo_b.upstream_rq_200");

    ExecResult response =
        podA.exec(
                "curl",
                "-sS",
                "--max-time",
                "5",
                "-H",
                "x-test: smoke",
                "http://127.0.0.1:" + ENVOY_LISTENER_PORT + "/hello?from=a")
            .orThrow("curl through Envoy");

    assertThat(response.stdout())
        .contains("\"name\":\"b\"")
        .contains("\"path\":\"/hello?from=a\"")
        .contains("\"x-test\":\"smoke\"")
        // Envoy in A connected to B from A's pod address: the request really crossed the bridge.
        .contains("\"peer\":\"" + podA.ip() + ":");
    assertThat(sidecar.admin().stat("cluster.echo_b.upstream_rq_200")).isEqualTo(before + 1);
    assertThat(sidecar.admin().stat("cluster.echo_b.upstream_cx_total")).isPositive();
    assertThat(sidecar.admin().clusters())
        .contains("echo_b::" + podB.ip() + ":" + ECHO_PORT + "::rq_success::");
  }

  @Test
  void sidecarRunsAsTheProxyUserInPodANetworkNamespace() throws Exception {
    String status = Files.readString(Path.of("/proc", String.valueOf(sidecar.pid()), "status"));
    assertThat(status)
        .containsPattern("(?m)^Uid:\\s+1337\\s+1337\\s+1337\\s+1337$")
        .containsPattern("(?m)^Gid:\\s+1337\\s+1337\\s+1337\\s+1337$");
    Path netns = Path.of("/proc", String.valueOf(sidecar.pid()), "ns", "net");
    Object podNetnsInode = Files.getAttribute(podA.netnsPath(), "unix:ino");
    assertThat(Files.readSymbolicLink(netns)).hasToString("net:[" + podNetnsInode + "]");
    assertThat(sidecar.admin().uri().toString()).isEqualTo("http://127.0.0.1:15000");
  }

  @Test
  void upstreamClusterIsVisibleInTheTypedConfigDump() throws Exception {
    ConfigDump dump = sidecar.admin().configDump();
    ClustersConfigDump clusters =
        dump.getConfigsList().stream()
            .filter(any -> any.is(ClustersConfigDump.class))
            .findFirst()
            .orElseThrow()
            .unpack(ClustersConfigDump.class);
    Cluster echo =
        clusters.getStaticClustersList().stream()
            .map(c -> unpack(c.getCluster()))
            .filter(c -> c.getName().equals("echo_b"))
            .findFirst()
            .orElseThrow();
    assertThat(
            echo.getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress())
        .isEqualTo(podB.ip());
  }

  private static Cluster unpack(com.google.protobuf.Any any) {
    try {
      return any.unpack(Cluster.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static String bootstrap(String upstreamIp) {
    return """
                node: {id: smoke-a, cluster: smoke}
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: 15000}}
                static_resources:
                  listeners:
                  - name: to_b
                    address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: to_b
                          route_config:
                            virtual_hosts:
                            - name: b
                              domains: ["*"]
                              routes:
                              - match: {prefix: "/"}
                                route: {cluster: echo_b}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  clusters:
                  - name: echo_b
                    type: STATIC
                    connect_timeout: 2s
                    load_assignment:
                      cluster_name: echo_b
                      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %d}}}}]}]
                """
        .formatted(ENVOY_LISTENER_PORT, upstreamIp, ECHO_PORT);
  }
}
