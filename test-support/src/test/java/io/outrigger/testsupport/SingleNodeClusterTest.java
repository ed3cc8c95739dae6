package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 5 itself: the node registers and goes Ready, pods get addresses from the bridge chain and talk to
 * each other, and a ClusterIP Service works through kube-proxy's rules in the node's namespace.
 */
class SingleNodeClusterTest {

    @RegisterExtension
    static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

    static final String NAMESPACE = "tier5-basics";

    @BeforeAll
    static void namespace() {
        kube.cluster().kubectl("create", "namespace", NAMESPACE).orThrow("create namespace");
    }

    @AfterAll
    static void cleanUp() {
        kube.cluster().kubectl("delete", "namespace", NAMESPACE, "--wait=false");
    }

    @Test
    void nodeIsReadyWithTheBuiltKubelet() {
        SingleNodeCluster cluster = kube.cluster();
        Node node = cluster.client().nodes().withName(SingleNodeCluster.NODE_NAME).get();

        assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.31.14");
        assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://1.6");
        assertThat(node.getStatus().getAddresses()).anyMatch(a -> a.getType().equals("InternalIP")
                && a.getAddress().equals(SingleNodeCluster.NODE_IP));
        assertThat(node.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready")
                && c.getStatus().equals("True"));
        System.out.println("tier-5 cluster start: " + cluster.startup().toMillis() + " ms, RSS MiB: " + cluster.rssMiB());
    }
}
