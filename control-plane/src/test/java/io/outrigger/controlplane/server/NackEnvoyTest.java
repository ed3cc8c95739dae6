package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rejections, real ones: a cluster the real Envoy refuses is NACKed, reported in /debug/syncz with
 * Envoy's reason, never re-sent in a loop, and traffic continues on the last good config; config
 * the registry rejects is reported with the object and reason while proxies keep their config.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NackEnvoyTest {
  static final String NS = "demo";
  static final String CLUSTER = "outbound|80||echo.demo.svc.cluster.local";
  static final Map<XdsApiType, String> PODS =
      Map.of(XdsApiType.GRPC, "nack-sotw", XdsApiType.DELTA_GRPC, "nack-delta");

  @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();
  @TempDir static Path work;
  static NamedUpstream upstream;
  static TestRegistry registry;
  static ControlPlane controlPlane;
  static MonitoringClient monitoring;
  static Map<XdsApiType, EnvoyProcess> proxies;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireEnvoy();
    upstream = new NamedUpstream("echo");
    registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write(
        "echo.yaml",
        TestRegistry.service(NS, "echo", "198.19.0.1", 80)
            + TestRegistry.workload(NS, "echo-1", "echo", "echo", upstream.port()));
    registry.write(
        "clients.yaml",
        TestRegistry.workload(NS, "nack-sotw", "client", "client", 1)
            + TestRegistry.workload(NS, "nack-delta", "client", "client", 1));
    controlPlane =
        ControlPlane.start(
            ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca")),
            new LoopbackTestConfig());
    monitoring = new MonitoringClient(controlPlane.monitoringPort());
    proxies =
        Map.of(
            XdsApiType.GRPC,
                envoys.start(
                    EnvoyOptions.onHost(
                        HostSidecar.plaintextBootstrap(
                            NS,
                            PODS.get(XdsApiType.GRPC),
                            "client",
                            controlPlane.xdsPlaintextPort(),
                            XdsApiType.GRPC))),
            XdsApiType.DELTA_GRPC,
                envoys.start(
                    EnvoyOptions.onHost(
                        HostSidecar.plaintextBootstrap(
                            NS,
                            PODS.get(XdsApiType.DELTA_GRPC),
                            "client",
                            controlPlane.xdsPlaintextPort(),
                            XdsApiType.DELTA_GRPC))));
    for (XdsApiType api : PODS.keySet()) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> syncz(api).map(MonitoringClient::inSync).orElse(false));
    }
  }

  @AfterAll
  static void stop() {
    controlPlane.close();
    upstream.close();
  }

  static java.util.Optional<JsonNode> syncz(XdsApiType api) {
    return monitoring.proxy(BootstrapParams.sidecarNodeId("127.0.0.1", PODS.get(api), NS));
  }

  static String traffic(XdsApiType api) {
    return HostSidecar.listenerPort(proxies.get(api).admin(), CLUSTER)
        .map(HostSidecar::get)
        .orElse("no listener");
  }

  @Test
  @Order(1)
  void rejectedClusterIsReportedNotResentAndTrafficContinues() throws Exception {
    registry.write("broken.yaml", TestRegistry.service(NS, "broken", "198.19.0.2", 80));

    for (XdsApiType api : PODS.keySet()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  syncz(api)
                      .map(p -> p.at("/types/Cluster/lastNack"))
                      .filter(n -> !n.isMissingNode())
                      .isPresent());
      JsonNode cluster = syncz(api).orElseThrow().at("/types/Cluster");
      // Envoy's own words for a non-positive connect_timeout.
      assertThat(cluster.at("/lastNack/error").asText())
          .as(api.name())
          .contains("Expected positive duration");
      assertThat(cluster.at("/lastNack/version").asText()).isEqualTo(cluster.path("sent").asText());
      assertThat(cluster.path("acked").asText()).isNotEqualTo(cluster.path("sent").asText());
      assertThat(proxies.get(api).admin().stat("cluster_manager.cds.update_rejected")).isPositive();
    }
    double pushes = controlPlane.xdsMetrics().total("outrigger.xds.pushes", XdsTypes.CLUSTER);
    double nacks = controlPlane.xdsMetrics().total("outrigger.xds.nacks", XdsTypes.CLUSTER);
    // Bounded observation that nothing loops: Envoy would NACK every re-send.
    Thread.sleep(2000);
    assertThat(controlPlane.xdsMetrics().total("outrigger.xds.pushes", XdsTypes.CLUSTER))
        .isEqualTo(pushes);
    assertThat(controlPlane.xdsMetrics().total("outrigger.xds.nacks", XdsTypes.CLUSTER))
        .isEqualTo(nacks);
    for (XdsApiType api : PODS.keySet()) {
      assertThat(traffic(api)).isEqualTo("200 echo");
    }
  }

  @Test
  @Order(2)
  void fixedConfigIsPushedAndAcked() {
    registry.delete("broken.yaml");
    for (XdsApiType api : PODS.keySet()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> syncz(api).map(MonitoringClient::inSync).orElse(false));
      JsonNode cluster = syncz(api).orElseThrow().at("/types/Cluster");
      assertThat(cluster.path("acked").asText()).isEqualTo(cluster.path("sent").asText());
      assertThat(cluster.has("lastNack")).as("the last NACK stays visible").isTrue();
      assertThat(traffic(api)).isEqualTo("200 echo");
    }
  }

  @Test
  @Order(3)
  void configTheRegistryRejectsIsReportedWhileProxiesKeepTheirs() {
    registry.write(
        "bad-vs.yaml",
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
          namespace: demo
        spec:
          hosts: [echo.demo.svc.cluster.local]
          http:
            - route:
                - destination: {host: echo.demo.svc.cluster.local}
                  weight: 90
        """);
    registry.write("bad-yaml.yaml", "apiVersion: v1\nkind: Service\nmetadata: [unclosed\n");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> monitoring.json("/debug/syncz").path("configErrors").size() >= 2);
    List<String> errors = monitoring.json("/debug/configz").findValuesAsText("message");
    assertThat(errors)
        .anySatisfy(m -> assertThat(m).startsWith("VirtualService demo/echo").contains("90"));
    assertThat(errors).anySatisfy(m -> assertThat(m).contains("bad-yaml.yaml"));
    for (XdsApiType api : PODS.keySet()) {
      assertThat(syncz(api).map(MonitoringClient::inSync)).contains(true);
      assertThat(traffic(api)).isEqualTo("200 echo");
    }
  }
}
