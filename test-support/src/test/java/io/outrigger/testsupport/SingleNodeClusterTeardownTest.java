package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 5's cleanup: a cluster abandoned with a pod running (what a killed test JVM leaves) is
 * swept by the next start, and closing a cluster leaves nothing on the machine, by the checks
 * scripts/host-state.sh makes. It ends the shared cluster; a tier-5 class that runs after it gets a
 * new one.
 */
class SingleNodeClusterTeardownTest {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  private static final String MARK = "198.18.233.77";

  @Test
  void nextStartSweepsAnAbandonedClusterAndCloseLeavesNothing() throws Exception {
    SingleNodeCluster abandoned = kube.cluster();
    // What the machine had before kubelet changed them (the cluster saved them before starting it).
    Map<String, String> sysctlsBefore = new TreeMap<>();
    for (String line : Files.readAllLines(SingleNodeClusterTeardown.SAVED_SYSCTLS)) {
      sysctlsBefore.put(
          line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
    }
    assertThat(sysctlsBefore).containsOnlyKeys(SingleNodeClusterTeardown.KUBELET_SYSCTLS);
    runPod(abandoned, "left-behind");
    // Same JVM, so the next cluster's netns has the same name: a mark in this one tells them apart.
    abandoned
        .inNode("ip", "addr", "add", MARK + "/32", "dev", "lo")
        .orThrow("mark the abandoned netns");
    List<ProcessHandle> leftProcesses = abandoned.abandon();
    assertThat(leftProcesses).allMatch(ProcessHandle::isAlive);
    assertThat(hostState()).contains("kube process containerd-shim", "kube cgroup", "kube mount");

    KubeNodeBinaries binaries = Prerequisites.requireKubeNode();
    SingleNodeCluster next = SingleNodeCluster.start(binaries);
    try {
      assertThat(leftProcesses).noneMatch(ProcessHandle::isAlive);
      assertThat(next.inNode("ip", "-o", "addr", "show", "dev", "lo").orThrow("ip addr").stdout())
          .contains(SingleNodeCluster.NODE_IP)
          .doesNotContain(MARK);
      assertThat(next.client().pods().inNamespace("default").withName("left-behind").get())
          .isNull();
      runPod(next, "fresh");
    } finally {
      next.close();
    }

    // Holding the cluster lock, so that no other test JVM's cluster is counted.
    try (SingleNodeClusterLock ignored = SingleNodeClusterLock.acquire()) {
      assertThat(hostState()).isEmpty();
      assertThat(sysctls()).isEqualTo(sysctlsBefore);
      assertThat(Path.of("/run/netns", Path.of(next.netnsPath()).getFileName().toString()))
          .doesNotExist();
      assertThat(Commands.run(List.of("ip", "route", "show", SingleNodeCluster.POD_CIDR)).stdout())
          .isBlank();
      assertThat(Files.exists(Path.of("/sys/class/net", SingleNodeCluster.HOST_LINK))).isFalse();
    }
  }

  private static void runPod(SingleNodeCluster cluster, String name) {
    cluster
        .kubectlWithInput(
            """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: default}
                spec:
                  terminationGracePeriodSeconds: 0
                  containers: [{name: sleep, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
                """
                .formatted(name),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply pod " + name);
    cluster
        .client()
        .pods()
        .inNamespace("default")
        .withName(name)
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()), 60, TimeUnit.SECONDS);
  }

  /**
   * What scripts/host-state.sh finds of a tier-5 cluster (the same checks scripts/test.sh fails the
   * suite on).
   */
  private static String hostState() {
    Path script = RepoRoot.find().orElseThrow().resolve("scripts/host-state.sh");
    return Commands.run(List.of(script.toString(), "kube")).stdout().strip();
  }

  private static Map<String, String> sysctls() throws Exception {
    Map<String, String> values = new TreeMap<>();
    for (String sysctl : SingleNodeClusterTeardown.KUBELET_SYSCTLS) {
      values.put(sysctl, Files.readString(Path.of("/proc/sys", sysctl)).strip());
    }
    return values;
  }
}
