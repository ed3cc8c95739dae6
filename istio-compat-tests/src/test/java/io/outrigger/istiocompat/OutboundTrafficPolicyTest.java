package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a meshed app's call to a destination the registry does not know meets, under each outbound
 * traffic policy: ALLOW_ANY (the default) passes it through, REGISTRY_ONLY stops it in the sidecar.
 * The destination is a pod outside the mesh with a server on a port meshed HTTP services also use
 * and on a port no service uses: outbound listeners match a service's VIP and port, so both calls
 * fall to virtualOutbound's default chain, whichever port they use.
 */
class OutboundTrafficPolicyTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;
  private static final String OUTSIDE = "outside";
  private static final int MESH_HTTP_PORT = 9080;
  private static final int UNUSED_PORT = 7070;

  @Test
  void allowAnyPassesCallsToUnknownDestinationsThrough() {
    try (HostModeMesh mesh =
        HostModeMesh.start(ENVOYS, List.of(), List.of(PRODUCTPAGE), List.of(OUTSIDE))) {
      NetnsPod outside = startServers(mesh);
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());

      for (int port : List.of(MESH_HTTP_PORT, UNUSED_PORT)) {
        EchoReply reply = PodHttp.echo(client.pod(), outsideAt(outside, port), "/", Map.of());
        assertThat(reply.name()).isEqualTo(serverName(port));
      }
      assertThat(client.sidecar().admin().stat("cluster.PassthroughCluster.upstream_cx_total"))
          .as("connections productpage's sidecar passed through")
          .isGreaterThanOrEqualTo(2);
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void registryOnlyStopsCallsToUnknownDestinationsButNotToMeshServices() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.withControlPlaneSettings(
                settings ->
                    settings.withOutboundTrafficPolicy(OutboundTrafficPolicy.REGISTRY_ONLY)),
            List.of(),
            List.of(PRODUCTPAGE, REVIEWS),
            List.of(OUTSIDE))) {
      NetnsPod outside = startServers(mesh);
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());

      for (int port : List.of(MESH_HTTP_PORT, UNUSED_PORT)) {
        ExecResult call = PodHttp.get(client.pod(), outsideAt(outside, port), "/", Map.of());
        assertThat(call.exitCode())
            .as("call to an unknown address on port %d: %s", port, call)
            .isNotZero();
        assertThat(call.stdout()).doesNotContain(serverName(port));
      }
      assertThat(client.sidecar().admin().stat("cluster.BlackHoleCluster.upstream_cx_none_healthy"))
          .as("connections productpage's sidecar sent to the black hole")
          .isGreaterThanOrEqualTo(2);
      assertThat(client.sidecar().admin().stat("cluster.PassthroughCluster.upstream_cx_total"))
          .isZero();

      assertThat(PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of()).name())
          .as("a service in the registry is still reachable")
          .isEqualTo(REVIEWS.name());
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  /** An echo server per port in the pod outside the mesh, each answering with its own name. */
  private static NetnsPod startServers(HostModeMesh mesh) {
    return mesh.startEchoServers(OUTSIDE, List.of(MESH_HTTP_PORT, UNUSED_PORT));
  }

  private static ServiceAddress outsideAt(NetnsPod outside, int port) {
    return new ServiceAddress("outside.example", outside.ip(), port);
  }

  private static String serverName(int port) {
    return OUTSIDE + "-" + port;
  }
}
