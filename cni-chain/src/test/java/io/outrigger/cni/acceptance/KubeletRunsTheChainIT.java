package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.cni.testing.PluginImage;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 5: a real kubelet and containerd run the node's CNI chain (bridge, portmap, then the
 * built outrigger-cni), and the plugin decides from the pod annotations containerd hands it in
 * {@code runtimeConfig["io.kubernetes.cri.pod-annotations"]}: no API server call, no kubeconfig in
 * its entry.
 */
class KubeletRunsTheChainIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  private static final String NAMESPACE = "tier5-chain";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static Path log;
  private static Path link;

  @BeforeAll
  static void chainOutriggerCni() throws IOException {
    SingleNodeCluster cluster = kube.cluster();
    link = cluster.cniBinDir().resolve("outrigger-cni");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, PluginImage.binDir().resolve("outrigger-cni"));
    log = cluster.cniBinDir().resolveSibling("outrigger-cni.log");
    cluster.setChainedPlugins(List.of(PluginImage.conf(log).toString()));
    String meshed =
        PluginImage.meshed(Map.of("outrigger.io/excludeInboundPorts", "9001")).entrySet().stream()
            .map(e -> "    " + e.getKey() + ": '" + e.getValue() + "'")
            .reduce((a, b) -> a + "\n" + b)
            .orElseThrow();
    cluster
        .kubectlWithInput(
            """
        apiVersion: v1
        kind: Namespace
        metadata: {name: %1$s}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: meshed
          namespace: %1$s
          annotations:
        %2$s
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: sleep, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: plain, namespace: %1$s}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: sleep, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
        """
                .formatted(NAMESPACE, meshed),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply");
    for (String pod : List.of("meshed", "plain")) {
      cluster
          .client()
          .pods()
          .inNamespace(NAMESPACE)
          .withName(pod)
          .waitUntilCondition(
              p -> p != null && "Running".equals(p.getStatus().getPhase()),
              TIMEOUT.toSeconds(),
              TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void unchain() throws IOException {
    if (link != null) {
      SingleNodeCluster cluster = kube.cluster();
      cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=60s");
      cluster.setChainedPlugins(List.of());
      Files.deleteIfExists(link);
    }
  }

  @Test
  void meshedPodGetsCaptureRulesBuiltFromItsAnnotations() throws IOException {
    String rules = natRules(pod("meshed"));

    assertThat(rules).contains(":OUTRIGGER_OUTPUT", ":OUTRIGGER_INBOUND", ":OUTRIGGER_REDIRECT");
    // outrigger.io/excludeInboundPorts came through runtimeConfig: the inbound chain skips that
    // port.
    assertThat(rules).containsPattern("-A OUTRIGGER_INBOUND .*--dport 9001 .*-j RETURN");
    assertThat(Files.readString(log))
        .containsPattern(
            "command=ADD container=\\S+ pod=" + NAMESPACE + "/meshed decision=capture .*result=ok");
  }

  @Test
  void podWithoutTheInjectorsStatusPassesThroughWithNoRule() throws IOException {
    assertThat(natRules(pod("plain"))).doesNotContain("OUTRIGGER");
    assertThat(Files.readString(log))
        .containsPattern("command=ADD container=\\S+ pod=" + NAMESPACE + "/plain .*result=ok")
        .doesNotContainPattern("pod=" + NAMESPACE + "/plain decision=capture");
  }

  @Test
  void kubeletRunsDelWithTheAnnotationsWhenThePodGoes() {
    SingleNodeCluster cluster = kube.cluster();
    cluster
        .kubectlWithInput(
            """
        apiVersion: v1
        kind: Pod
        metadata: {name: short-lived, namespace: %s, annotations: {outrigger.io/status: '{"version":"test"}'}}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: sleep, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
        """
                .formatted(NAMESPACE),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply short-lived");
    cluster
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withName("short-lived")
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()),
            TIMEOUT.toSeconds(),
            TimeUnit.SECONDS);

    cluster
        .kubectl("delete", "pod", "-n", NAMESPACE, "short-lived", "--timeout=60s")
        .orThrow("kubectl delete");

    Awaitility.await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(Files.readString(log))
                    .containsPattern(
                        "command=DEL container=\\S+ pod="
                            + NAMESPACE
                            + "/short-lived .*result=ok"));
  }

  private static Pod pod(String name) {
    return kube.cluster().client().pods().inNamespace(NAMESPACE).withName(name).get();
  }

  private static String natRules(Pod pod) {
    ExecResult save =
        kube.cluster()
            .inNode(
                "nsenter", "--net=" + kube.cluster().podNetns(pod), "iptables-save", "-t", "nat");
    return save.orThrow("iptables-save in pod " + pod.getMetadata().getName()).stdout();
  }
}
