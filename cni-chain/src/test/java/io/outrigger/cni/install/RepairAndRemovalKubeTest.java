package io.outrigger.cni.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.cni.plugin.PodRecords;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 4 (a real kube-apiserver, no kubelet): which pods the repair controller repairs, and
 * how the installer's stop decides between uninstall and upgrade, against real API answers (404,
 * deletionTimestamp, 403 for a token without RBAC, an unreachable server).
 */
class RepairAndRemovalKubeTest {
  private static final String NODE = "node-a";
  private static final String NS = "shop";
  private static final Map<String, String> MESHED =
      Map.of("outrigger.io/status", "{\"version\":\"test\"}");

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  @TempDir static Path work;
  private static KubeTestCluster cluster;
  private static KubernetesClient admin;

  @BeforeAll
  static void connect() {
    cluster = new KubeTestCluster(kube.server(), work);
    admin = cluster.admin();
    // No controller manager here: the ServiceAccount admission plugin needs each namespace's
    // default account.
    cluster.serviceAccount(NS, "default");
    cluster.serviceAccount("excluded", "default");
    cluster.namespace("outrigger-system");
  }

  @AfterAll
  static void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void onlyMeshedPodsOfThisNodeWithAnIpAndNoRecordAreRepaired(@TempDir Path records)
      throws IOException {
    Pod broken = pod(NS, "broken", NODE, MESHED, "198.18.240.2", false);
    Pod recorded = pod(NS, "recorded", NODE, MESHED, "198.18.240.3", false);
    Files.writeString(
        records.resolve(recorded.getMetadata().getUid()),
        "pod=shop/recorded container=c version=dev\n");
    pod(NS, "plain", NODE, Map.of(), "198.18.240.4", false);
    pod(
        NS,
        "opted-out",
        NODE,
        Map.of("outrigger.io/status", "{}", "sidecar.istio.io/inject", "false"),
        "198.18.240.5",
        false);
    pod(
        NS,
        "no-capture",
        NODE,
        Map.of("outrigger.io/status", "{}", "sidecar.istio.io/interceptionMode", "NONE"),
        "198.18.240.6",
        false);
    pod("excluded", "excluded", NODE, MESHED, "198.18.240.7", false);
    pod(NS, "no-ip-yet", NODE, MESHED, null, false);
    pod(NS, "host-network", NODE, MESHED, "198.18.240.8", true);
    pod(NS, "other-node", "node-b", MESHED, "198.18.240.9", false);
    RepairController repair =
        new RepairController(
            admin, NODE, List.of("excluded"), records, RepairController.Action.DELETE);

    assertThat(repair.reconcile()).containsExactly("shop/broken");

    Pod after = admin.pods().inNamespace(NS).withName("broken").get();
    assertThat(after == null || after.getMetadata().getDeletionTimestamp() != null)
        .as("broken pod deleted")
        .isTrue();
    assertThat(
            admin
                .pods()
                .inNamespace(NS)
                .withName("recorded")
                .get()
                .getMetadata()
                .getDeletionTimestamp())
        .isNull();
    assertThat(repair.reconcile()).as("a pod is repaired once").isEmpty();
    assertThat(broken.getMetadata().getUid()).isNotBlank();
  }

  @Test
  void aSandboxTornDownAMomentAgoIsNotRepairedWhileItsPodStillListsRunning(@TempDir Path records)
      throws IOException {
    // A finished Job's pod: CNI DEL ran (the record is a tombstone) before kubelet reported the
    // phase.
    Pod finishing = pod(NS, "finishing", NODE, MESHED, "198.18.240.14", false);
    Files.writeString(
        records.resolve(finishing.getMetadata().getUid() + PodRecords.TORN_DOWN_SUFFIX),
        "pod=shop/finishing container=c version=dev\n");
    // A tombstone older than the grace: the pod got a new sandbox without us.
    Pod stale = pod(NS, "stale-tombstone", NODE, MESHED, "198.18.240.15", false);
    Path old =
        Files.writeString(
            records.resolve(stale.getMetadata().getUid() + PodRecords.TORN_DOWN_SUFFIX),
            "pod=shop/stale-tombstone container=c version=dev\n");
    Files.setLastModifiedTime(
        old, FileTime.from(Instant.now().minus(RepairController.TEARDOWN_GRACE).minusSeconds(5)));
    Path ancient =
        Files.writeString(
            records.resolve("gone-pod-uid" + PodRecords.TORN_DOWN_SUFFIX), "pod=shop/gone\n");
    Files.setLastModifiedTime(
        ancient,
        FileTime.from(Instant.now().minus(RepairController.TOMBSTONE_LIFETIME).minusSeconds(5)));

    List<String> repaired =
        new RepairController(
                admin, NODE, List.of("excluded"), records, RepairController.Action.LABEL)
            .reconcile();

    assertThat(repaired).contains("shop/stale-tombstone").doesNotContain("shop/finishing");
    assertThat(ancient).as("a tombstone past its lifetime is removed").doesNotExist();
  }

  @Test
  void labelModeMarksThePodInsteadOfDeletingIt(@TempDir Path records) {
    pod(NS, "to-label", NODE, MESHED, "198.18.240.12", false);
    RepairController repair =
        new RepairController(admin, NODE, List.of(), records, RepairController.Action.LABEL);

    assertThat(repair.reconcile()).contains("shop/to-label");

    Pod labelled = admin.pods().inNamespace(NS).withName("to-label").get();
    assertThat(labelled.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(labelled.getMetadata().getLabels())
        .containsEntry(RepairController.BROKEN_LABEL, "true");
    assertThat(
            new RepairController(admin, NODE, List.of(), records, RepairController.Action.LABEL)
                .reconcile())
        .as("a labelled pod is not labelled again by a new installer")
        .doesNotContain("shop/to-label");
  }

  @Test
  void stopUninstallsOnlyWhenTheDaemonSetIsGoneOrBeingDeleted() {
    String ns = "outrigger-system";
    RemovalCheck check = RemovalCheck.daemonSet(admin, ns, "outrigger-cni");
    assertThat(check.check().removed()).as("no DaemonSet").isTrue();

    admin.apps().daemonSets().inNamespace(ns).resource(daemonSet()).create();
    assertThat(check.check())
        .as("DaemonSet present: an upgrade or restart")
        .extracting(RemovalCheck.Answer::removed)
        .isEqualTo(false);

    admin.apps().daemonSets().inNamespace(ns).withName("outrigger-cni").delete();
    DaemonSet deleting = admin.apps().daemonSets().inNamespace(ns).withName("outrigger-cni").get();
    assertThat(deleting.getMetadata().getDeletionTimestamp())
        .as("held by its finalizer")
        .isNotNull();
    assertThat(check.check().reason()).contains("is being deleted");
    assertThat(check.check().removed()).isTrue();
    admin
        .apps()
        .daemonSets()
        .inNamespace(ns)
        .withName("outrigger-cni")
        .edit(
            ds ->
                new DaemonSetBuilder(ds)
                    .editMetadata()
                    .withFinalizers(List.of())
                    .endMetadata()
                    .build());
  }

  @Test
  void revokedCredentialsMeanRemovalAnUnreachableServerMeansKeep() throws IOException {
    cluster.serviceAccount("outrigger-system", "no-rights");
    String token =
        cluster.token("outrigger-system", "no-rights", List.of(kube.server().issuer()), null);
    try (KubernetesClient noRights =
        KubeTestCluster.client(kube.server().writeKubeconfig(work.resolve("no-rights"), token))) {
      RemovalCheck.Answer answer =
          RemovalCheck.daemonSet(noRights, "outrigger-system", "outrigger-cni").check();
      assertThat(answer.reason()).contains("HTTP 403");
      assertThat(answer.removed()).isTrue();
    }
    Config unreachable =
        new ConfigBuilder()
            .withMasterUrl("https://127.0.0.1:1")
            .withTrustCerts(true)
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(2000)
            .withRequestTimeout(2000)
            .build();
    try (KubernetesClient gone = new KubernetesClientBuilder().withConfig(unreachable).build()) {
      RemovalCheck.Answer answer =
          RemovalCheck.daemonSet(gone, "outrigger-system", "outrigger-cni").check();
      assertThat(answer.removed()).as(answer.reason()).isFalse();
      assertThat(answer.reason()).contains("cannot tell");
    }
  }

  private static DaemonSet daemonSet() {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName("outrigger-cni")
        .withFinalizers("outrigger.io/test")
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", "outrigger-cni")
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "outrigger-cni")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("install-cni")
        .withImage("registry.invalid/never-pulled:1")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * A pod bound to {@code node} with the status IP a kubelet would report (none runs here); ip
   * null: no IP yet.
   */
  private static Pod pod(
      String ns,
      String name,
      String node,
      Map<String, String> annotations,
      String ip,
      boolean hostNetwork) {
    Pod pod =
        admin
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withAnnotations(annotations)
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(node)
                    .withHostNetwork(hostNetwork)
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                    .withName("app")
                    .withImage("registry.invalid/never-pulled:1")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    if (ip == null) {
      return pod;
    }
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .withPodIPs(new PodIPBuilder().withIp(ip).build())
            .build());
    return admin.pods().inNamespace(ns).resource(pod).updateStatus();
  }
}
