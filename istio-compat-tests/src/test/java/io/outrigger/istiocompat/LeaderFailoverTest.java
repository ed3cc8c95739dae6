package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.controlplane.kube.LeaderTimings;
import io.outrigger.controlplane.kube.RootCertConfigMaps;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test tier 4, high availability: two control plane processes of one revision against a real API
 * server. Both serve xDS; only the Lease holder writes. SIGKILL the holder: the other takes over
 * the root-cert ConfigMap writes within 15 s (a ConfigMap deleted right after the kill comes back),
 * and its sidecar stream, open since before the kill, stays open and keeps receiving pushes.
 */
class LeaderFailoverTest {
  private static final Logger log = LoggerFactory.getLogger(LeaderFailoverTest.class);
  private static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(15);
  private static final String NS = "shop";
  private static final MeshWorkload REVIEWS =
      new MeshWorkload("reviews-1", NS, "reviews", Map.of("app", "reviews"), 9080);

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  @TempDir Path work;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private ControlPlaneProcess first;
  private ControlPlaneProcess second;

  @AfterEach
  void stop() {
    for (ControlPlaneProcess p : new ControlPlaneProcess[] {first, second}) {
      if (p != null) {
        p.close();
      }
    }
  }

  @Test
  void whenTheLeaderIsKilledTheOtherReplicaTakesOverTheWritesAndBothKeepServing() throws Exception {
    try (KubeTestCluster cluster = new KubeTestCluster(kube.server(), work)) {
      KubernetesClient admin = cluster.admin();
      Path kubeconfig = cluster.controlPlaneKubeconfig();
      Pod pod = cluster.pod(NS, REVIEWS.name(), REVIEWS.serviceAccount(), "127.0.0.1");
      String token = cluster.token(NS, REVIEWS.serviceAccount(), List.of("outrigger"), pod);
      RegistryDirectory registry =
          new RegistryDirectory(Files.createDirectory(work.resolve("registry")));
      registry.writeWorkloadEntry(REVIEWS, "127.0.0.1", true);
      Path caDir = work.resolve("ca");
      String root =
          MeshCa.loadOrInit(caDir, CaSettings.defaults())
              .trustBundle()
              .pem(); // both replicas share it
      // Two replicas on one host: each its own webhook port (with an API server it defaults to
      // 15017).
      List<String> kubeArgs = List.of("--kubeconfig", kubeconfig.toString(), "--webhook-port", "0");
      int firstMonitoring = ControlPlaneProcess.freePort("127.0.0.1");
      int secondMonitoring = ControlPlaneProcess.freePort("127.0.0.1");
      first =
          ControlPlaneProcess.start(
              registry.dir(),
              caDir,
              "127.0.0.1",
              firstMonitoring,
              work.resolve("first.log"),
              kubeArgs);
      await().atMost(TAKEOVER_LIMIT).ignoreExceptions().until(() -> leading(firstMonitoring));
      second =
          ControlPlaneProcess.start(
              registry.dir(),
              caDir,
              "127.0.0.1",
              secondMonitoring,
              work.resolve("second.log"),
              kubeArgs);
      awaitRootCert(admin, NS, root);

      try (AdsProbe toFirst = probe(first, root, token);
          AdsProbe toSecond = probe(second, root, token)) {
        assertServes(toFirst, first, "the leader");
        assertServes(toSecond, second, "the follower");
        // Settle: the follower must not hold the Lease while the leader lives.
        Thread.sleep(LeaderTimings.DEFAULT.leaseDuration().toMillis());
        assertThat(leading(secondMonitoring)).as("only one leader").isFalse();
        assertThat(leading(firstMonitoring)).isTrue();

        long killed = System.nanoTime();
        first.kill();
        admin.configMaps().inNamespace(NS).withName(RootCertConfigMaps.NAME).delete();
        awaitRootCert(admin, NS, root);
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        log.info(
            "event=leader_takeover_measured takeover_ms={} limit_ms={}",
            takeover.toMillis(),
            TAKEOVER_LIMIT.toMillis());
        assertThat(takeover).isLessThan(TAKEOVER_LIMIT);
        assertThat(leading(secondMonitoring)).isTrue();

        // The survivor's stream, open since before the kill, still gets pushes.
        int before = toSecond.responses().size();
        registry.write("services.yaml", service());
        await().atMost(Duration.ofSeconds(15)).until(() -> toSecond.responses().size() > before);
        DiscoveryResponse pushed = toSecond.responses().get(toSecond.responses().size() - 1);
        assertThat(pushed.getTypeUrl()).isEqualTo(AdsProbe.CLUSTER);
        assertThat(pushed.getResourcesList().toString()).contains("ratings.shop.svc.cluster.local");
        assertThat(toSecond.awaitEnd(Duration.ZERO))
            .as("the survivor's stream is still open")
            .isEmpty();
      }
    }
  }

  private static void assertServes(AdsProbe probe, ControlPlaneProcess cp, String which)
      throws Exception {
    boolean served = probe.awaitResponse(AdsProbe.CLUSTER, Duration.ofSeconds(30)).isPresent();
    if (!served) {
      throw new AssertionError(
          which
              + " sent no clusters; stream ended with "
              + probe.awaitEnd(Duration.ZERO)
              + "; its log:\n"
              + cp.logText());
    }
  }

  private AdsProbe probe(ControlPlaneProcess cp, String root, String token) throws Exception {
    AdsProbe probe =
        new AdsProbe(
            "127.0.0.1",
            cp.xdsTlsPort(),
            "outrigger-control-plane.outrigger-system.svc",
            root,
            token);
    probe.request(REVIEWS, "127.0.0.1", AdsProbe.CLUSTER, List.of());
    return probe;
  }

  /** {@code outrigger_leader} on the replica's own /metrics. */
  private boolean leading(int monitoringPort) throws IOException, InterruptedException {
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitoringPort + "/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return metrics
        .body()
        .lines()
        .anyMatch(l -> l.startsWith("outrigger_leader{") && l.endsWith(" 1.0"));
  }

  private static void awaitRootCert(KubernetesClient admin, String ns, String root) {
    await()
        .atMost(TAKEOVER_LIMIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> admin.configMaps().inNamespace(ns).withName(RootCertConfigMaps.NAME).get(),
            cm -> cm != null && root.equals(cm.getData().get(RootCertConfigMaps.KEY)));
  }

  private static String service() {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: ratings
          namespace: shop
        spec:
          clusterIP: 198.19.0.9
          ports:
            - name: http
              port: 9080
        """;
  }
}
