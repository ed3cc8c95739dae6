package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.MeshImages;
import io.outrigger.testsupport.MeshInstallation;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 5: {@code helm install} of the chart into the real single-node cluster brings the mesh
 * up the way a user gets it (two control plane replicas sharing one CA Secret, Ready; both webhook
 * configurations carrying the mesh root as their CA bundle, written by the leader; the API server
 * reaching both webhooks through the Service), and {@code helm uninstall} removes every object of
 * the release, leaving only what the chart leaves on purpose.
 */
class MeshInstallIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  private static final String NS = MeshInstallation.NAMESPACE;
  private static final String CHECK_NS = "mesh-install-check";

  @Test
  void helmInstallBringsTheMeshUpAndUninstallLeavesNothingOfOurs() throws Exception {
    SingleNodeCluster cluster = kube.cluster();
    KubernetesClient client = cluster.client();
    long building = System.nanoTime();
    MeshImages.importInto(cluster);
    System.out.println(
        "mesh images (jlink, both archives written and imported): "
            + (System.nanoTime() - building) / 1_000_000
            + " ms");
    try (MeshInstallation mesh = MeshInstallation.install(cluster, "default", "replicaCount=2")) {
      System.out.println(
          "mesh install (helm install to Ready with CA bundles): "
              + mesh.installTime().toMillis()
              + " ms");

      Deployment deployment =
          client.apps().deployments().inNamespace(NS).withName("outrigger").get();
      assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(
              client
                  .services()
                  .inNamespace(NS)
                  .withName("outrigger")
                  .get()
                  .getSpec()
                  .getClusterIP())
          .isEqualTo(MeshInstallation.serviceIp("default"));

      // One root for both replicas: one created the CA Secret, the other loaded it (or lost the
      // create race).
      List<Pod> pods =
          client.pods().inNamespace(NS).withLabel("app", "outrigger").list().getItems();
      assertThat(pods).hasSize(2);
      List<String> logs =
          pods.stream()
              .map(p -> cluster.kubectl("logs", "-n", NS, p.getMetadata().getName()).stdout())
              .toList();
      assertThat(logs.stream().filter(l -> l.contains("event=ca_secret_created")))
          .as("%s", logs)
          .hasSize(1);
      assertThat(
              logs.stream()
                  .filter(
                      l ->
                          l.contains("event=ca_secret_loaded")
                              || l.contains("event=ca_secret_lost_race")))
          .as("%s", logs)
          .hasSize(1);
      String root = mesh.rootCertPem();
      assertThat(root).contains("-----BEGIN CERTIFICATE-----");

      // The leader wrote the mesh root into every webhook of both configurations, and the root-cert
      // ConfigMaps.
      Stream.concat(
              client
                  .admissionRegistration()
                  .v1()
                  .mutatingWebhookConfigurations()
                  .withName(mesh.mutatingWebhookName())
                  .get()
                  .getWebhooks()
                  .stream()
                  .map(w -> w.getClientConfig().getCaBundle()),
              client
                  .admissionRegistration()
                  .v1()
                  .validatingWebhookConfigurations()
                  .withName(mesh.validatingWebhookName())
                  .get()
                  .getWebhooks()
                  .stream()
                  .map(w -> w.getClientConfig().getCaBundle()))
          .forEach(
              bundle ->
                  assertThat(
                          new String(Base64.getDecoder().decode(bundle), StandardCharsets.US_ASCII))
                      .isEqualTo(root));
      Lease lease = client.leases().inNamespace(NS).withName("outrigger-default-leader").get();
      // fabric8's identity: POD-NAME_UNIQUE-SUFFIX.
      assertThat(pods)
          .anyMatch(
              p -> lease.getSpec().getHolderIdentity().startsWith(p.getMetadata().getName() + "_"));
      ConfigMap rootCert =
          client.configMaps().inNamespace("default").withName("outrigger-ca-root-cert").get();
      assertThat(rootCert).as("root-cert ConfigMap in default").isNotNull();
      assertThat(rootCert.getData().get("root-cert.pem")).isEqualTo(root);

      // The API server calls both webhooks through the Service (server-side dry run runs
      // admission).
      cluster.kubectl("create", "namespace", CHECK_NS).orThrow("create namespace");
      cluster
          .kubectl("label", "namespace", CHECK_NS, "outrigger.io/injection=enabled")
          .orThrow("label");
      ExecResult injected =
          cluster.kubectlWithInput(
              """
          apiVersion: v1
          kind: Pod
          metadata: {name: app, namespace: %s}
          spec:
            containers: [{name: app, image: outrigger.local/busybox:1.35, command: [sleep, "3600"]}]
          """
                  .formatted(CHECK_NS),
              "create",
              "--dry-run=server",
              "-o",
              "yaml",
              "-f",
              "-");
      assertThat(injected.stdout())
          .as(injected.stderr())
          .contains("name: outrigger-proxy")
          .contains("image: outrigger.local/envoy:1.40.0")
          .contains(mesh.controlPlaneAddress());
      ExecResult refused =
          cluster.kubectlWithInput(
              """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: bad, namespace: %s}
          spec:
            hosts: [reviews]
            http:
            - route:
              - {destination: {host: reviews}, weight: 90}
          """
                  .formatted(CHECK_NS),
              "create",
              "--dry-run=server",
              "-f",
              "-");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr())
          .contains("validation.outrigger.io")
          .contains("route weights sum to 90");

      // The CNI node agent: Ready (install waited for it), which means its entry ends the node's
      // conflist.
      DaemonSet cni =
          client.apps().daemonSets().inNamespace(NS).withName(MeshInstallation.CNI_DAEMONSET).get();
      assertThat(cni.getStatus().getNumberReady()).isEqualTo(1);
      assertThat(conflistTypes(cluster))
          .as("the node's conflist")
          .endsWith("outrigger-cni")
          .filteredOn("outrigger-cni"::equals)
          .hasSize(1);
      assertThat(cluster.cniBinDir().resolve("outrigger-cni")).isExecutable();

      ExecResult uninstall = mesh.uninstall();
      assertThat(uninstall.exitCode()).as(uninstall.stderr()).isZero();
      assertThat(ours(client)).as("objects of the release after helm uninstall").isEmpty();
      // The CNI installer's SIGTERM hook saw its DaemonSet gone and took its entry and plugin off
      // the node.
      assertThat(conflistTypes(cluster)).doesNotContain("outrigger-cni");
      assertThat(cluster.cniBinDir().resolve("outrigger-cni")).doesNotExist();
      assertThat(cluster.cniConfDir().resolve("outrigger-cni.kubeconfig")).doesNotExist();
      // Left on purpose (docs/install.md): the CA Secret (the mesh root outlives a revision), the
      // leader's
      // Lease and root-cert ConfigMaps (written by the control plane, as istiod's), and the CRDs
      // (Helm never
      // deletes a chart's crds/, so that uninstalling cannot delete users' VirtualServices).
      assertThat(client.secrets().inNamespace(NS).withName(MeshInstallation.CA_SECRET).get())
          .isNotNull();
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName("virtualservices.networking.istio.io")
                  .get())
          .isNotNull();
    } finally {
      cluster.kubectl("delete", "namespace", CHECK_NS, "--ignore-not-found", "--wait=false");
      MeshInstallation.purge(cluster);
    }
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("virtualservices.networking.istio.io")
                .get())
        .as("CRDs after purge")
        .isNull();
  }

  @Test
  void manifestGenerateAppliedWithKubectlBringsTheSameMeshUpAndDeleteRemovesIt() {
    SingleNodeCluster cluster = kube.cluster();
    KubernetesClient client = cluster.client();
    String ip = MeshInstallation.serviceIp("b");
    CliRun generate =
        CliRun.of(
            "manifest",
            "generate",
            "--revision",
            "b",
            "--set",
            "createNamespace=true",
            "--set",
            "controlPlane.serviceClusterIP=" + ip,
            "--set",
            "controlPlane.address=" + ip + ":15012",
            // The CNI node agent's defaults are this machine's /opt/cni/bin and /etc/cni/net.d; the
            // Helm test above
            // covers it with the node's paths.
            "--set",
            "cni.enabled=false");
    assertThat(generate.exitCode()).as(generate.err()).isZero();
    try (MeshInstallation mesh = MeshInstallation.applyManifest(cluster, "b", generate.out())) {
      System.out.println(
          "mesh apply (manifest generate | kubectl apply --server-side, to Ready with CA bundles): "
              + mesh.installTime().toMillis()
              + " ms");
      assertThat(
              client
                  .apps()
                  .deployments()
                  .inNamespace(NS)
                  .withName("outrigger-b")
                  .get()
                  .getStatus()
                  .getReadyReplicas())
          .isEqualTo(1);
      String root = mesh.rootCertPem();
      client
          .admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .withName("outrigger-sidecar-injector-b")
          .get()
          .getWebhooks()
          .forEach(
              w ->
                  assertThat(
                          new String(
                              Base64.getDecoder().decode(w.getClientConfig().getCaBundle()),
                              StandardCharsets.US_ASCII))
                      .isEqualTo(root));

      ExecResult deleted = mesh.uninstall();
      assertThat(deleted.exitCode()).as(deleted.stderr()).isZero();
      assertThat(ours(client)).as("objects of the manifest after kubectl delete").isEmpty();
      assertThat(client.namespaces().withName(NS).get()).as("namespace (in the manifest)").isNull();
    } finally {
      MeshInstallation.purge(cluster);
    }
  }

  /** The plugin types of the node's conflist, in order. */
  private static List<String> conflistTypes(SingleNodeCluster cluster) throws java.io.IOException {
    List<String> types = new ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readString(cluster.conflist()))
        .path("plugins")
        .forEach(p -> types.add(p.path("type").asText()));
    return types;
  }

  /**
   * Every object the chart's templates make (label app=outrigger or app=outrigger-cni, or a webhook
   * configuration of ours).
   */
  private static List<String> ours(KubernetesClient client) {
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(
        client
            .apps()
            .daemonSets()
            .inNamespace(NS)
            .withLabel("app", "outrigger-cni")
            .list()
            .getItems());
    found.addAll(client.pods().inNamespace(NS).withLabel("app", "outrigger-cni").list().getItems());
    found.addAll(
        client
            .serviceAccounts()
            .inNamespace(NS)
            .withLabel("app", "outrigger-cni")
            .list()
            .getItems());
    found.addAll(
        client.rbac().roles().inNamespace(NS).withLabel("app", "outrigger-cni").list().getItems());
    found.addAll(
        client
            .rbac()
            .roleBindings()
            .inNamespace(NS)
            .withLabel("app", "outrigger-cni")
            .list()
            .getItems());
    found.addAll(client.rbac().clusterRoles().withLabel("app", "outrigger-cni").list().getItems());
    found.addAll(
        client.rbac().clusterRoleBindings().withLabel("app", "outrigger-cni").list().getItems());
    found.addAll(
        client
            .apps()
            .deployments()
            .inNamespace(NS)
            .withLabel("app", "outrigger")
            .list()
            .getItems());
    found.addAll(client.pods().inNamespace(NS).withLabel("app", "outrigger").list().getItems());
    found.addAll(client.services().inNamespace(NS).withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client.serviceAccounts().inNamespace(NS).withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client.configMaps().inNamespace(NS).withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client.rbac().roles().inNamespace(NS).withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client
            .rbac()
            .roleBindings()
            .inNamespace(NS)
            .withLabel("app", "outrigger")
            .list()
            .getItems());
    found.addAll(client.rbac().clusterRoles().withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client.rbac().clusterRoleBindings().withLabel("app", "outrigger").list().getItems());
    found.addAll(
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withLabel("outrigger.io/rev")
            .list()
            .getItems());
    found.addAll(
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withLabel("outrigger.io/rev")
            .list()
            .getItems());
    return found.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }
}
