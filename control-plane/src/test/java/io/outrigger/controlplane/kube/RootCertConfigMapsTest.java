package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.RawAdsClient;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.controlplane.xds.XdsTypes;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 4: the leader keeps ConfigMap outrigger-ca-root-cert in every namespace of a real API
 * server, recreates and restores it, follows a root rotation of the CA directory (as do the
 * sidecars' ROOTCA secrets), and never writes a ConfigMap of that name that is not labelled as
 * ours.
 */
class RootCertConfigMapsTest {
  static final Duration WRITE = Duration.ofSeconds(15);

  @RegisterExtension
  @Order(1)
  static final KubeApiServerExtension kube = new KubeApiServerExtension();

  @RegisterExtension
  @Order(2)
  static final KubeControlPlane fixture = new KubeControlPlane(kube);

  static KubeTestCluster cluster;
  static KubernetesClient admin;
  static ControlPlane controlPlane;

  @BeforeAll
  static void start() throws Exception {
    cluster = fixture.cluster();
    admin = cluster.admin();
    cluster.namespace("before");
    cluster.namespace("foreign");
    admin
        .configMaps()
        .inNamespace("foreign")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(RootCertConfigMaps.NAME)
                .endMetadata()
                .withData(Map.of(RootCertConfigMaps.KEY, "not ours"))
                .build())
        .create();
    fixture
        .registry()
        .write("workloads.yaml", TestRegistry.workload("shop", "web-1", "web", "web", 8080));
    controlPlane = fixture.start();
  }

  @Test
  void everyNamespaceGetsTheRootCertLabelledAsOurs() {
    awaitRootCert("before");
    awaitRootCert("default");
    awaitRootCert(KubeTestCluster.CONTROL_PLANE_NAMESPACE);

    cluster.namespace("after");

    ConfigMap created = awaitRootCert("after");
    assertThat(created.getMetadata().getLabels()).containsAllEntriesOf(RootCertConfigMaps.LABELS);
    assertThat(controlPlane.leading()).isTrue();
  }

  @Test
  void aDeletedRootCertIsRecreatedAndAnEditedOneRestored() {
    cluster.namespace("churn");
    awaitRootCert("churn");

    admin.configMaps().inNamespace("churn").withName(RootCertConfigMaps.NAME).delete();
    awaitRootCert("churn");

    admin
        .configMaps()
        .inNamespace("churn")
        .withName(RootCertConfigMaps.NAME)
        .edit(
            cm ->
                new ConfigMapBuilder(cm)
                    .withData(Map.of(RootCertConfigMaps.KEY, "tampered"))
                    .build());
    awaitRootCert("churn");
  }

  @Test
  void aConfigMapOfThatNameThatIsNotOursIsLeftAlone() {
    // Once a namespace created later has its copy, the foreign one has been seen and passed over.
    cluster.namespace("later");
    awaitRootCert("later");
    awaitRootCert("before");

    ConfigMap foreign =
        admin.configMaps().inNamespace("foreign").withName(RootCertConfigMaps.NAME).get();
    assertThat(foreign.getData()).containsExactly(Map.entry(RootCertConfigMaps.KEY, "not ours"));
    assertThat(foreign.getMetadata().getLabels()).isNullOrEmpty();
  }

  @Test
  void aRootRotationReachesEveryNamespaceAndEverySidecar() throws Exception {
    cluster.namespace("rotating");
    String before = awaitRootCert("rotating").getData().get(RootCertConfigMaps.KEY);
    Pod pod = cluster.pod("shop", "web-1", "web", "127.0.0.1");
    RawAdsClient sidecar =
        new RawAdsClient(
            controlPlane.xdsTlsPort(),
            before,
            controlPlane.serverName(),
            cluster.token("shop", "web", List.of("outrigger"), pod));
    sidecar.request("shop", "web-1", "web", XdsTypes.SECRET, List.of("ROOTCA"));
    assertThat(rootCaOf(sidecar.next(XdsTypes.SECRET, WRITE))).isEqualTo(before);

    MeshCa.loadOrInit(controlPlane.caDir(), CaSettings.defaults()).rotateRoot();

    await()
        .atMost(WRITE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !controlPlane.rootCertPem().equals(before));
    String rotated = controlPlane.rootCertPem();
    assertThat(rotated)
        .as("the bundle holds the old root and the new one")
        .contains(before.strip());
    assertThat(rotated.split("BEGIN CERTIFICATE", -1)).hasSize(3);
    for (String ns : new String[] {"rotating", "before", "default"}) {
      awaitRootCert(ns);
    }
    // The open stream gets the new bundle as its ROOTCA, unasked.
    try (sidecar) {
      assertThat(rootCaOf(sidecar.next(XdsTypes.SECRET, WRITE))).isEqualTo(rotated);
    }
  }

  private static String rootCaOf(DiscoveryResponse response) throws Exception {
    assertThat(response).as("a ROOTCA secret").isNotNull();
    return response
        .getResources(0)
        .unpack(Secret.class)
        .getValidationContext()
        .getTrustedCa()
        .getInlineString();
  }

  /** Waits until {@code ns} holds our ConfigMap with the control plane's trust bundle now. */
  private static ConfigMap awaitRootCert(String ns) {
    return await()
        .atMost(WRITE)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> admin.configMaps().inNamespace(ns).withName(RootCertConfigMaps.NAME).get(),
            cm ->
                cm != null
                    && controlPlane.rootCertPem().equals(cm.getData().get(RootCertConfigMaps.KEY)));
  }
}
