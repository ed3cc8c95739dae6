package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.testsupport.NodeImages;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5: the control-plane image (a jlink'd runtime of the modules the shaded jar needs, the
 * jar, and the glibc files they link, with no base image) runs {@code outrigger} in a pod as UID
 * 1337, on BoringSSL through Conscrypt's JNI library: the image carries everything the JVM and its
 * native code load.
 */
class ControlPlaneImageIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  private static final String IMAGE = "outrigger.local/outrigger:test";

  @Test
  void caInitRunsInAPodOnTheJlinkedRuntimeWithBoringSsl(@TempDir Path dir) {
    SingleNodeCluster cluster = kube.cluster();
    Path jar = Path.of(System.getProperty("outrigger.jar", "target/outrigger.jar"));
    Path runtime =
        NodeImages.jlink(
            Path.of(System.getProperty("java.home")),
            NodeImages.CONTROL_PLANE_MODULES,
            dir.resolve("runtime"));
    cluster.importImage(
        NodeImages.controlPlane(IMAGE, runtime, jar, dir.resolve("jni"))
            .writeTo(dir.resolve("outrigger.tar")));

    cluster
        .kubectlWithInput(
            """
        apiVersion: v1
        kind: Pod
        metadata: {name: outrigger-ca-init, namespace: default}
        spec:
          restartPolicy: Never
          securityContext: {runAsUser: 1337, runAsGroup: 1337}
          containers:
          - name: outrigger
            image: %s
            imagePullPolicy: Never
            args: [ca, init, --dir, /tmp/ca]
            # A one-shot command holds its INFO lines; asking for logs shows which crypto backend loaded.
            env: [{name: OUTRIGGER_LOG_LEVEL, value: INFO}]
        """
                .formatted(IMAGE),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply");
    Pod done =
        cluster
            .client()
            .pods()
            .inNamespace("default")
            .withName("outrigger-ca-init")
            .waitUntilCondition(
                p -> p != null && Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase()),
                120,
                TimeUnit.SECONDS);
    String logs = cluster.kubectl("logs", "-n", "default", "outrigger-ca-init").stdout();
    cluster.kubectl("delete", "pod", "-n", "default", "outrigger-ca-init", "--wait=false");

    assertThat(done.getStatus().getPhase()).as("pod phase; logs:\n%s", logs).isEqualTo("Succeeded");
    assertThat(logs).contains("created mesh root CA in /tmp/ca").contains("backend=boringssl");
  }
}
