package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.security.WorkloadSecrets;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.outrigger.controlplane.xds.SnapshotSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push reads the registry's model once: a registry that changes during the push cannot mix
 * versions.
 */
class MeshSnapshotsTest {

  @TempDir Path caDir;

  @Test
  void aPushComputesEveryProxyFromTheModelItBeganWith() {
    List<String> pods = List.of("reviews-v1", "reviews-v2", "ratings-v1");
    // The registry has a newer model at every read, as one under a stream of changes can.
    AtomicLong reads = new AtomicLong();
    Supplier<MeshConfig> registry =
        () -> {
          MeshConfig.Builder mesh = MeshConfig.builder(reads.incrementAndGet());
          for (int i = 0; i < pods.size(); i++) {
            mesh.workload(
                new Workload(
                    "bookinfo",
                    pods.get(i),
                    "198.18.0." + (i + 1),
                    Map.of("app", "reviews"),
                    "bookinfo",
                    Map.of()));
          }
          return mesh.build();
        };
    Map<String, Long> versionByProxy = new ConcurrentHashMap<>();
    ProxyConfigSource config =
        (mesh, proxy) -> {
          versionByProxy.put(proxy.id(), mesh.version());
          return Map.of();
        };
    MeshCa ca = MeshCa.loadOrInit(caDir, CaSettings.defaults());
    MeshSnapshots snapshots =
        new MeshSnapshots(
            registry,
            config,
            new WorkloadSecrets(() -> ca, Duration.ofHours(1), Clock.systemUTC(), at -> {}));

    SnapshotSource push = snapshots.forPush();
    pods.forEach(pod -> push.snapshot(proxy(pod)));

    assertThat(versionByProxy).hasSize(3);
    assertThat(Set.copyOf(versionByProxy.values()))
        .as("model versions in one push: %s", versionByProxy)
        .containsExactly(1L);
    snapshots.snapshot(proxy("reviews-v1"));
    assertThat(versionByProxy.get(proxy("reviews-v1").id()))
        .as("a proxy that connects sees the newest model")
        .isEqualTo(2L);
  }

  private static ConnectedProxy proxy(String pod) {
    String id = "sidecar~198.18.0.1~" + pod + ".bookinfo~bookinfo.svc.cluster.local";
    return new ConnectedProxy(
        id, "bookinfo", pod, "bookinfo", true, Node.newBuilder().setId(id).build());
  }
}
