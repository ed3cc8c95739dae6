package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's "Accessing external services" task: a plain server outside the mesh (a network namespace
 * without a sidecar) reached by host name from a meshed app. Under ALLOW_ANY the call passes with
 * or without a ServiceEntry, through the entry's own cluster once there is one; under REGISTRY_ONLY
 * it is stopped in the sidecar until a ServiceEntry registers the host, and other hosts stay
 * stopped (502 from the route's block_all, or the black hole for an unregistered port).
 */
class ServiceEntryTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final String OUTSIDE = "outside";
  private static final String HOST = "outside.example.com";
  private static final int PORT = 8080;
  private static final int UNREGISTERED_PORT = 7070;
  private static final String CLUSTER = "outbound|" + PORT + "||" + HOST;
  private static final Duration CONFIG_TIMEOUT = Duration.ofSeconds(20);

  @Test
  void registryOnlyRefusesAnExternalHostUntilAServiceEntryRegistersIt() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.withControlPlaneSettings(
                s -> s.withOutboundTrafficPolicy(OutboundTrafficPolicy.REGISTRY_ONLY)),
            List.of(),
            List.of(PRODUCTPAGE),
            List.of(OUTSIDE))) {
      NetnsPod outside = startServers(mesh);
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());
      ServiceAddress external = new ServiceAddress(HOST, outside.ip(), PORT);

      ExecResult refused = PodHttp.get(client.pod(), external, "/", Map.of());
      assertThat(refused.stdout())
          .as("before the ServiceEntry: %s", refused)
          .doesNotContain(OUTSIDE);
      assertThat(client.sidecar().admin().stat("cluster.BlackHoleCluster.upstream_cx_none_healthy"))
          .isGreaterThanOrEqualTo(1);

      mesh.registry().write("outside-serviceentry.yaml", serviceEntry(outside.ip(), "STATIC"));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(PodHttp.echo(client.pod(), external, "/", Map.of()).name())
                      .isEqualTo(serverName(PORT)));
      assertThat(client.sidecar().admin().stat("cluster." + CLUSTER + ".upstream_rq_200"))
          .as("answers through the ServiceEntry's cluster")
          .isGreaterThanOrEqualTo(1);

      ExecResult otherHost =
          PodHttp.get(
              client.pod(),
              new ServiceAddress("other.example.com", outside.ip(), PORT),
              "/",
              Map.of());
      assertThat(otherHost.stdout())
          .as("another host on the registered port: the route's block_all answers")
          .contains("--outrigger-reply-502--")
          .doesNotContain(serverName(PORT));
      ExecResult otherPort =
          PodHttp.get(
              client.pod(),
              new ServiceAddress(HOST, outside.ip(), UNREGISTERED_PORT),
              "/",
              Map.of());
      assertThat(otherPort.stdout()).doesNotContain(serverName(UNREGISTERED_PORT));
      assertThat(client.sidecar().admin().stat("cluster.PassthroughCluster.upstream_cx_total"))
          .isZero();
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void allowAnyPassesThroughThenUsesTheServiceEntrysDnsCluster() {
    try (HostModeMesh mesh =
        HostModeMesh.start(ENVOYS, List.of(), List.of(PRODUCTPAGE), List.of(OUTSIDE))) {
      NetnsPod outside = startServers(mesh);
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());
      ServiceAddress external = new ServiceAddress(HOST, outside.ip(), PORT);

      assertThat(PodHttp.echo(client.pod(), external, "/", Map.of()).name())
          .isEqualTo(serverName(PORT));
      long passedThrough =
          client.sidecar().admin().stat("cluster.PassthroughCluster.upstream_cx_total");
      assertThat(passedThrough).isGreaterThanOrEqualTo(1);

      // DNS resolution of an IP literal endpoint: Envoy's resolver answers it without a lookup.
      mesh.registry().write("outside-serviceentry.yaml", serviceEntry(outside.ip(), "DNS"));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () -> {
                PodHttp.echo(client.pod(), external, "/", Map.of());
                assertThat(
                        client
                            .sidecar()
                            .admin()
                            .findStat("cluster." + CLUSTER + ".upstream_rq_200"))
                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
              });
      long before = client.sidecar().admin().stat("cluster." + CLUSTER + ".upstream_rq_200");
      for (int i = 0; i < 5; i++) {
        assertThat(PodHttp.echo(client.pod(), external, "/", Map.of()).name())
            .isEqualTo(serverName(PORT));
      }
      assertThat(client.sidecar().admin().stat("cluster." + CLUSTER + ".upstream_rq_200"))
          .isEqualTo(before + 5);
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  /** Istio's example shape: an external HTTP host, no addresses, its endpoint the outside pod. */
  private static String serviceEntry(String outsideIp, String resolution) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: outside, namespace: bookinfo}
        spec:
          hosts: [%s]
          location: MESH_EXTERNAL
          resolution: %s
          ports:
          - {number: %d, name: http, protocol: HTTP}
          endpoints:
          - address: %s
        """
        .formatted(HOST, resolution, PORT, outsideIp);
  }

  private static NetnsPod startServers(HostModeMesh mesh) {
    return mesh.startEchoServers(OUTSIDE, List.of(PORT, UNREGISTERED_PORT));
  }

  private static String serverName(int port) {
    return OUTSIDE + "-" + port;
  }
}
