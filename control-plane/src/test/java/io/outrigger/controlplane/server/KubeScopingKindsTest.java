package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.source.RegistrySource;
import io.outrigger.controlplane.testing.TestCluster;
import io.outrigger.controlplane.testing.TestCluster.SliceEndpoint;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ServiceEntries and Sidecars applied through a real kube-apiserver (test tier 4, the chart's CRDs,
 * the registry's documented ClusterRole) reach a real Envoy: the entry's cluster and endpoints
 * appear, a Sidecar then scopes the proxy down to one service, and an invalid Sidecar is refused
 * with its reason while the one in force stays.
 */
class KubeScopingKindsTest {
  private static final String NS = "shop";
  private static final String REVIEWS = "reviews." + NS + ".svc.cluster.local";
  private static final String ENTRY_CLUSTER = "outbound|8080||api.example.com";

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  @RegisterExtension static final EnvoyExtension envoys = new EnvoyExtension();
  @TempDir Path work;

  @Test
  void serviceEntriesAndSidecarsFromTheApiScopeARealEnvoy() throws Exception {
    Prerequisites.requireEnvoy();
    try (TestCluster cluster = new TestCluster(kube.server())) {
      cluster.installIstioCrds();
      Path kubeconfig = cluster.controlPlaneKubeconfig(work, kube.server().url());
      cluster.namespace(NS, Map.of());
      cluster.serviceAccount(NS, "client");
      cluster.runningPod(NS, "client", "client", Map.of("app", "client"), "198.18.0.10", true);
      cluster.runningPod(NS, "reviews-v1", "client", Map.of("app", "reviews"), "198.18.0.11", true);
      cluster.service(NS, "reviews", 80, Map.of("app", "reviews"));
      cluster.slice(
          NS,
          "reviews-1",
          "reviews",
          9080,
          List.of(SliceEndpoint.ready("reviews-v1", "198.18.0.11")));
      cluster.apply(
          """
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: api, namespace: shop}
          spec:
            hosts: [api.example.com]
            location: MESH_EXTERNAL
            resolution: STATIC
            ports: [{number: 8080, name: http, protocol: HTTP}]
            endpoints: [{address: 198.18.0.50}]
          """);
      ControlPlaneSettings settings =
          ControlPlaneSettings.forTests(
                  Files.createDirectory(work.resolve("files")), work.resolve("ca"))
              .withRegistry(RegistrySource.parse("kube:" + kubeconfig));
      try (ControlPlane controlPlane =
          ControlPlane.start(
              settings, LoopbackListeners.around(GeneratedProxyConfig.create(settings.mesh())))) {
        EnvoyProcess envoy =
            envoys.start(
                EnvoyOptions.onHost(
                    HostSidecar.plaintextBootstrap(
                        NS, "client", "client", controlPlane.xdsPlaintextPort(), XdsApiType.GRPC)));

        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> endpoints(envoy, ENTRY_CLUSTER).equals(Set.of("198.18.0.50:8080")));
        assertThat(outboundClusters(envoy)).contains("outbound|80||" + REVIEWS);

        cluster.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: shop}
            spec:
              egress: [{hosts: ["./reviews.shop.svc.cluster.local"]}]
            """);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> outboundClusters(envoy).equals(Set.of("outbound|80||" + REVIEWS)));

        cluster.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: shop}
            spec:
              egress: [{hosts: ["./*"], captureMode: NONE}]
            """);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(controlPlane.registry().current().errors())
                        .extracting(ConfigError::message)
                        .anyMatch(
                            m ->
                                m.startsWith(
                                    "Sidecar shop/default: spec.egress[0].captureMode NONE is not")));
        assertThat(outboundClusters(envoy))
            .as("the last good Sidecar stays in force")
            .isEqualTo(Set.of("outbound|80||" + REVIEWS));
      }
    }
  }

  private static Set<String> outboundClusters(EnvoyProcess envoy) {
    Set<String> names = new TreeSet<>();
    for (String line : envoy.admin().clusters().split("\n")) {
      if (line.startsWith("outbound|")) {
        names.add(line.substring(0, line.indexOf("::")));
      }
    }
    return names;
  }

  private static Set<String> endpoints(EnvoyProcess envoy, String clusterName) {
    Set<String> endpoints = new TreeSet<>();
    for (String line : envoy.admin().clusters().split("\n")) {
      if (line.startsWith(clusterName + "::") && line.contains("::health_flags::")) {
        endpoints.add(line.split("::")[1]);
      }
    }
    return endpoints;
  }
}
