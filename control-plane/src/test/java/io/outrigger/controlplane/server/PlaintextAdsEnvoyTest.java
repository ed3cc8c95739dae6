package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.outrigger.controlplane.xds.XdsMetrics;
import io.outrigger.controlplane.xds.XdsTypes;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real Envoys (one SotW, one Delta) on the loopback plaintext port of an in-process control
 * plane fed by a real file registry: config arrives and carries traffic with no NACK; an endpoint
 * change sends only that cluster's ClusterLoadAssignment; a restarted control plane is rejoined.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaintextAdsEnvoyTest {
  static final String NS = "demo";
  static final String CLUSTER = "outbound|80||echo.demo.svc.cluster.local";
  static final Map<XdsApiType, String> PODS =
      Map.of(XdsApiType.GRPC, "client-sotw", XdsApiType.DELTA_GRPC, "client-delta");

  @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();
  @TempDir static Path work;

  static NamedUpstream first;
  static NamedUpstream second;
  static TestRegistry registry;
  static ControlPlane controlPlane;
  static Map<XdsApiType, EnvoyProcess> proxies;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireEnvoy();
    first = new NamedUpstream("first");
    second = new NamedUpstream("second");
    registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write("services.yaml", TestRegistry.service(NS, "echo", "198.19.0.1", 80));
    registry.write("echo.yaml", TestRegistry.workload(NS, "echo-1", "echo", "echo", first.port()));
    registry.write(
        "clients.yaml",
        TestRegistry.workload(NS, "client-sotw", "client", "client", 1)
            + TestRegistry.workload(NS, "client-delta", "client", "client", 1));
    controlPlane = ControlPlane.start(settings(0), new LoopbackTestConfig());
    proxies =
        PODS.entrySet().stream()
            .collect(
                Collectors.toMap(
                    Map.Entry::getKey,
                    e ->
                        envoys.start(
                            EnvoyOptions.onHost(
                                HostSidecar.plaintextBootstrap(
                                    NS,
                                    e.getValue(),
                                    "client",
                                    controlPlane.xdsPlaintextPort(),
                                    e.getKey())))));
  }

  static ControlPlaneSettings settings(int plaintextPort) {
    return ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca"))
        .withPorts(plaintextPort, 0, 0);
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    first.close();
    second.close();
  }

  static String nodeId(XdsApiType api) {
    return BootstrapParams.sidecarNodeId("127.0.0.1", PODS.get(api), NS);
  }

  static String getThrough(EnvoyProcess envoy) {
    return HostSidecar.listenerPort(envoy.admin(), CLUSTER)
        .map(HostSidecar::get)
        .orElse("no listener yet");
  }

  @Test
  @Order(1)
  void configArrivesCarriesTrafficAndIsAckedWithoutNack() {
    MonitoringClient monitoring = new MonitoringClient(controlPlane.monitoringPort());
    for (XdsApiType api : PODS.keySet()) {
      EnvoyProcess envoy = proxies.get(api);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(getThrough(envoy)).isEqualTo("200 first"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> monitoring.proxy(nodeId(api)).map(MonitoringClient::inSync).orElse(false));

      JsonNode sync = monitoring.proxy(nodeId(api)).orElseThrow();
      assertThat(sync.path("protocol").asText())
          .isEqualTo(api == XdsApiType.GRPC ? "sotw" : "delta");
      assertThat(sync.path("authenticated").asBoolean()).isFalse();
      assertThat(sync.path("types").fieldNames())
          .toIterable()
          .containsExactlyInAnyOrder(
              "Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration", "Secret");
      sync.path("types").forEach(t -> assertThat(t.has("lastNack")).as(t.toString()).isFalse());

      ConfigDump dump = envoy.admin().configDump();
      assertThat(activeClusters(dump)).contains(CLUSTER);
      assertThat(activeSecrets(dump)).containsExactlyInAnyOrder("default", "ROOTCA");
      assertThat(HostSidecar.listenerPort(envoy.admin(), LoopbackTestConfig.TLS_LISTENER))
          .isPresent();
    }
    assertThat(envoyStat(XdsApiType.GRPC, "cluster_manager.cds.update_rejected")).isZero();
    assertThat(envoyStat(XdsApiType.DELTA_GRPC, "cluster_manager.cds.update_rejected")).isZero();
  }

  @Test
  @Order(2)
  void endpointChangeSendsOnlyThatClusterLoadAssignment() {
    XdsMetrics metrics = controlPlane.xdsMetrics();
    Map<String, Double> pushesBefore = totals(metrics, "outrigger.xds.pushes");
    Map<String, Double> resourcesBefore = totals(metrics, "outrigger.xds.pushed.resources");
    long ldsBefore = envoyStat(XdsApiType.GRPC, "listener_manager.lds.update_success");

    registry.write("echo.yaml", TestRegistry.workload(NS, "echo-1", "echo", "echo", second.port()));

    for (EnvoyProcess envoy : proxies.values()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(getThrough(envoy)).isEqualTo("200 second"));
    }
    Map<String, Double> pushed = minus(totals(metrics, "outrigger.xds.pushes"), pushesBefore);
    Map<String, Double> resources =
        minus(totals(metrics, "outrigger.xds.pushed.resources"), resourcesBefore);
    // One response per proxy, each carrying the one changed ClusterLoadAssignment, nothing else.
    assertThat(pushed)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "Cluster",
                0.0,
                "ClusterLoadAssignment",
                2.0,
                "Listener",
                0.0,
                "RouteConfiguration",
                0.0,
                "Secret",
                0.0));
    assertThat(resources.get("ClusterLoadAssignment")).isEqualTo(2.0);
    assertThat(envoyStat(XdsApiType.GRPC, "listener_manager.lds.update_success"))
        .isEqualTo(ldsBefore);
  }

  @Test
  @Order(3)
  void debugEndpointsShowWhatEachProxyShouldHave() {
    MonitoringClient monitoring = new MonitoringClient(controlPlane.monitoringPort());
    String id = nodeId(XdsApiType.GRPC);
    JsonNode dump =
        monitoring.json(
            "/debug/config_dump?proxy="
                + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(dump.path("Cluster").findValuesAsText("name")).contains(CLUSTER);
    assertThat(dump.path("ClusterLoadAssignment").toString())
        .contains("\"port_value\":" + second.port());
    JsonNode secret = dump.path("Secret").findValue("tls_certificate");
    assertThat(secret.at("/private_key/inline_string").asText()).isEqualTo("[redacted]");
    assertThat(secret.at("/certificate_chain/inline_string").asText())
        .startsWith("-----BEGIN CERTIFICATE-----");

    assertThat(monitoring.get("/debug/config_dump?proxy=nobody").statusCode()).isEqualTo(404);
    String metrics = monitoring.get("/metrics").body();
    assertThat(metrics)
        .contains("outrigger_xds_pushes_total{type=\"ClusterLoadAssignment\"}")
        .contains("outrigger_xds_connected_proxies 2.0")
        .contains("outrigger_xds_convergence_seconds_bucket");
  }

  @Test
  @Order(4)
  void restartedControlPlaneIsRejoinedAndResynced() {
    int port = controlPlane.xdsPlaintextPort();
    controlPlane.close();
    controlPlane = null;
    // With the control plane gone, the proxies keep serving their last config.
    proxies.values().forEach(envoy -> assertThat(getThrough(envoy)).isEqualTo("200 second"));

    controlPlane = ControlPlane.start(settings(port), new LoopbackTestConfig());
    MonitoringClient monitoring = new MonitoringClient(controlPlane.monitoringPort());
    for (XdsApiType api : PODS.keySet()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> monitoring.proxy(nodeId(api)).map(MonitoringClient::inSync).orElse(false));
      assertThat(getThrough(proxies.get(api))).isEqualTo("200 second");
    }
    assertThat(envoyStat(XdsApiType.GRPC, "cluster_manager.cds.update_rejected")).isZero();
    assertThat(envoyStat(XdsApiType.DELTA_GRPC, "cluster_manager.cds.update_rejected")).isZero();
  }

  static long envoyStat(XdsApiType api, String name) {
    return proxies.get(api).admin().stat(name);
  }

  static List<String> activeClusters(ConfigDump dump) {
    return dump.getConfigsList().stream()
        .filter(a -> a.is(ClustersConfigDump.class))
        .flatMap(a -> unpack(a, ClustersConfigDump.class).getDynamicActiveClustersList().stream())
        .map(
            c ->
                unpack(c.getCluster(), io.envoyproxy.envoy.config.cluster.v3.Cluster.class)
                    .getName())
        .toList();
  }

  static List<String> activeSecrets(ConfigDump dump) {
    return dump.getConfigsList().stream()
        .filter(a -> a.is(SecretsConfigDump.class))
        .flatMap(a -> unpack(a, SecretsConfigDump.class).getDynamicActiveSecretsList().stream())
        .map(SecretsConfigDump.DynamicSecret::getName)
        .toList();
  }

  static <T extends com.google.protobuf.Message> T unpack(
      com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("config dump entry is not a " + type.getSimpleName(), e);
    }
  }

  static Map<String, Double> totals(XdsMetrics metrics, String meter) {
    return XdsTypes.PUSH_ORDER.stream()
        .collect(Collectors.toMap(XdsTypes::shortName, t -> metrics.total(meter, t)));
  }

  static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
    return after.keySet().stream()
        .collect(Collectors.toMap(Function.identity(), k -> after.get(k) - before.get(k)));
  }
}
