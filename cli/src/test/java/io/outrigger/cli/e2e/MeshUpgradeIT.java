package io.outrigger.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.testsupport.MeshInstallation;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5: a mesh upgrade without touching the CNI, canary-style. Revision {@code a} meshes a
 * namespace; revision {@code b} is installed beside it; a client loop runs the whole time; the
 * namespace label moves from {@code a} to {@code b}: a new pod goes to {@code b} while {@code a}'s
 * existing sidecars keep working; the server Deployment is restarted and comes back on {@code b};
 * the loop records 0 failed requests; then {@code a} is removed and the namespace keeps working on
 * {@code b}.
 */
class MeshUpgradeIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  static final String NS = "upgrade";
  static final Duration LOOP_BOUND = Duration.ofSeconds(150);
  static MeshInstallation a;
  static MeshInstallation b;
  static String cni;

  @AfterAll
  static void cleanUp() {
    kube.cluster().kubectl("delete", "namespace", NS, "--wait=true", "--timeout=60s");
    for (MeshInstallation revision : new MeshInstallation[] {a, b}) {
      if (revision != null) {
        revision.close();
      }
    }
    if (cni != null) {
      new MeshOnNode(kube.cluster()).removeCni(cni);
    }
    MeshInstallation.purge(kube.cluster());
  }

  @Test
  void movingTheNamespaceFromAToBAndRestartingLosesNoRequestAndAIsRemovedAfter(@TempDir Path dir)
      throws Exception {
    SingleNodeCluster cluster = kube.cluster();
    MeshOnNode mesh = new MeshOnNode(cluster);
    long started = System.nanoTime();
    mesh.importSampleImage(dir);
    cni = mesh.installCniAlone();
    Pod cniAgent = mesh.cniPod();
    a = mesh.install("a");
    mesh.applyYaml(app());
    mesh.awaitAvailable(NS);
    mesh.awaitAnswer(NS, "client", "http://details:9080/");
    assertRevision("a", "details", "client");
    b = mesh.install("b");

    Path trace = dir.resolve("trace.jsonl");
    Process loop =
        new ProcessBuilder(
                cluster.kubectlCommand(
                    "exec",
                    "-n",
                    NS,
                    "deploy/client",
                    "-c",
                    "app",
                    "--",
                    "python3",
                    "/app/bookinfo.py",
                    "trace",
                    "http://details:9080/",
                    "--seconds",
                    String.valueOf(LOOP_BOUND.toSeconds())))
            .redirectErrorStream(true)
            .redirectOutput(trace.toFile())
            .start();
    try {
      MeshOnNode.sleep(Duration.ofSeconds(2));
      cluster
          .kubectl("label", "namespace", NS, "outrigger.io/rev=b", "--overwrite")
          .orThrow("label namespace");

      // A new pod goes to b.
      mesh.applyYaml(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: newcomer, namespace: upgrade, labels: {app: newcomer}}
          spec:
            terminationGracePeriodSeconds: 1
            containers: [{name: app, image: python:3-slim, command: [python3, -c, "import time; time.sleep(3600)"]}]
          """);
      Pod newcomer =
          cluster
              .client()
              .pods()
              .inNamespace(NS)
              .withName("newcomer")
              .waitUntilCondition(
                  p ->
                      p != null
                          && p.getStatus().getConditions() != null
                          && p.getStatus().getConditions().stream()
                              .anyMatch(
                                  c -> c.getType().equals("Ready") && c.getStatus().equals("True")),
                  90,
                  TimeUnit.SECONDS);
      assertThat(newcomer.getMetadata().getAnnotations().get("outrigger.io/status"))
          .contains("\"revision\":\"b\"");
      assertThat(String.join(" ", newcomer.getSpec().getInitContainers().get(0).getArgs()))
          .contains(b.controlPlaneAddress());
      assertThat(mesh.envoyAdmin(newcomer, "/stats?filter=control_plane.connected_state"))
          .contains("control_plane.connected_state: 1");
      assertThat(mesh.natRules(newcomer))
          .as("the CNI plugin captured the new pod")
          .contains(":OUTRIGGER_OUTPUT");
      // a's existing sidecars still have their control plane and serve.
      assertRevision("a", "details", "client");
      for (String app : List.of("details", "client")) {
        for (Pod pod : mesh.pods(NS, "app", app)) {
          assertThat(mesh.envoyAdmin(pod, "/stats?filter=control_plane.connected_state"))
              .as("%s still connected to a", pod.getMetadata().getName())
              .contains("control_plane.connected_state: 1");
        }
      }

      long restart = System.nanoTime();
      cluster
          .kubectl("rollout", "restart", "-n", NS, "deployment/details")
          .orThrow("rollout restart");
      cluster
          .kubectl("rollout", "status", "-n", NS, "deployment/details", "--timeout=55s")
          .orThrow("rollout status");
      System.out.printf(
          "tier-5 upgrade: details restarted onto b in %d ms%n",
          (System.nanoTime() - restart) / 1_000_000);
      assertRevision("b", "details");
      // The client, still on a, reaches b's pods with mTLS (one mesh root).
      JsonNode fromA = mesh.get(NS, "client", "http://details:9080/", 20);
      assertThat(fromA.path("errors").asInt()).as("%s", fromA).isZero();
      assertThat(fromA.path("peers").path("details").toString()).contains("sa/client");
      MeshOnNode.sleep(Duration.ofSeconds(2));
    } finally {
      loop.destroy();
      loop.waitFor(10, TimeUnit.SECONDS);
    }
    List<String> lines =
        Files.readAllLines(trace, StandardCharsets.UTF_8).stream()
            .filter(l -> l.startsWith("{"))
            .toList();
    List<String> failed = lines.stream().filter(l -> !l.contains("\"code\": 200")).toList();
    System.out.printf(
        "tier-5 upgrade: the client loop sent %d requests during the move, %d failed%n",
        lines.size(), failed.size());
    assertThat(lines.size()).as("requests in the loop").isGreaterThan(50);
    assertThat(failed).as("failed requests of %d", lines.size()).isEmpty();

    // The rest of the namespace moves, and a goes.
    cluster
        .kubectl("rollout", "restart", "-n", NS, "deployment/client")
        .orThrow("rollout restart client");
    cluster
        .kubectl("rollout", "status", "-n", NS, "deployment/client", "--timeout=55s")
        .orThrow("rollout status");
    assertRevision("b", "details", "client");
    assertThat(a.uninstall().succeeded()).isTrue();
    assertThat(
            cluster
                .client()
                .apps()
                .deployments()
                .inNamespace(MeshOnNode.NAMESPACE)
                .withName("outrigger-a")
                .get())
        .isNull();
    assertThat(
            cluster
                .client()
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .list()
                .getItems())
        .noneMatch(w -> w.getMetadata().getName().endsWith("-a"));
    JsonNode onB = mesh.get(NS, "client", "http://details:9080/", 20);
    assertThat(onB.path("errors").asInt()).as("%s", onB).isZero();
    for (Pod pod : mesh.pods(NS, "app", "details")) {
      assertThat(mesh.envoyAdmin(pod, "/stats?filter=control_plane.connected_state"))
          .contains(": 1");
    }
    // The CNI was never touched: the same agent pod, not restarted, our entry once and last in the
    // conflist.
    Pod cniAfter = mesh.cniPod();
    assertThat(cniAfter.getMetadata().getUid()).isEqualTo(cniAgent.getMetadata().getUid());
    assertThat(cniAfter.getStatus().getContainerStatuses().get(0).getRestartCount())
        .isEqualTo(cniAgent.getStatus().getContainerStatuses().get(0).getRestartCount());
    assertThat(mesh.chainedPluginTypes())
        .containsOnlyOnce("outrigger-cni")
        .last()
        .isEqualTo("outrigger-cni");
    assertThat(mesh.natRules(mesh.pod(NS, "client"))).contains(":OUTRIGGER_OUTPUT");
    b.close();
    System.out.printf("tier-5 upgrade test: %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  private static void assertRevision(String revision, String... apps) {
    MeshOnNode mesh = new MeshOnNode(kube.cluster());
    for (String app : apps) {
      List<Pod> pods = mesh.pods(NS, "app", app);
      assertThat(pods).as(app).isNotEmpty();
      for (Pod pod : pods) {
        assertThat(pod.getMetadata().getAnnotations().get("outrigger.io/status"))
            .as(pod.getMetadata().getName())
            .contains("\"revision\":\"" + revision + "\"");
      }
    }
  }

  /**
   * The namespace (on revision a), the samples' app ConfigMap and a details server (2 replicas) and
   * client from them. The server waits 5 s before it is stopped ({@code preStop: sleep}) so the
   * sidecars drop its endpoint first: the mesh has no retries by default, and a zero-downtime
   * rollout needs the same on any cluster.
   */
  static String app() throws IOException {
    String configMap =
        Files.readString(MeshOnNode.SAMPLES.resolve("bookinfo/app.yaml"))
            .replace("namespace: bookinfo", "namespace: " + NS);
    return """
        apiVersion: v1
        kind: Namespace
        metadata: {name: upgrade, labels: {outrigger.io/rev: a}}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: details, namespace: upgrade}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: client, namespace: upgrade}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: details, namespace: upgrade}
        spec:
          selector: {app: details}
          ports: [{name: http, port: 9080, targetPort: 9080}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: details, namespace: upgrade}
        spec:
          replicas: 2
          selector: {matchLabels: {app: details}}
          template:
            metadata: {labels: {app: details, version: v1}}
            spec:
              serviceAccountName: details
              containers:
              - name: app
                image: python:3-slim
                command: [python3, /app/bookinfo.py, serve, --name=details, --version=v1]
                ports: [{name: http, containerPort: 9080}]
                readinessProbe: {httpGet: {path: /health, port: 9080}, periodSeconds: 1}
                lifecycle: {preStop: {sleep: {seconds: 5}}}
                volumeMounts: [{name: app, mountPath: /app}]
              volumes: [{name: app, configMap: {name: bookinfo-app}}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: client, namespace: upgrade}
        spec:
          selector: {matchLabels: {app: client}}
          template:
            metadata: {labels: {app: client, version: v1}}
            spec:
              serviceAccountName: client
              containers:
              - name: app
                image: python:3-slim
                command: [python3, /app/bookinfo.py, idle]
                volumeMounts: [{name: app, mountPath: /app}]
              volumes: [{name: app, configMap: {name: bookinfo-app}}]
        ---
        """
        + configMap;
  }
}
