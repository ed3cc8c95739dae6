package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 4: a VirtualService the control plane rejects gets a Warning Event (reason
 * InvalidConfig) on the object in the real API server, which {@code kubectl describe} shows; a
 * persistent error is not written again on every model change; a replica that does not hold the
 * Lease writes nothing until it does. The object is created through a minimal CRD; the control
 * plane's model still comes from the file registry here, which reports the same object's error.
 */
class ConfigErrorEventsTest {
  static final String NS = "shop";
  static final String INVALID =
      """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: reviews
        namespace: shop
      spec:
        hosts: [reviews]
        http:
          - route:
              - destination: {host: reviews}
                weight: 60
              - destination: {host: reviews}
                weight: 30
      """;

  @RegisterExtension
  @Order(1)
  static final KubeApiServerExtension kube = new KubeApiServerExtension();

  @RegisterExtension
  @Order(2)
  static final KubeControlPlane fixture = new KubeControlPlane(kube);

  static KubeTestCluster cluster;
  static KubernetesClient admin;
  static TestRegistry registry;
  static ControlPlane controlPlane;

  @BeforeAll
  static void start() throws Exception {
    cluster = fixture.cluster();
    admin = cluster.admin();
    cluster.namespace(NS);
    KubeTestCluster.installCrds(admin, List.of(virtualServiceCrd()), Duration.ofSeconds(30));
    registry = fixture.registry();
    registry.write("services.yaml", TestRegistry.service(NS, "reviews", "198.19.0.2", 9080));
    controlPlane = fixture.start();
  }

  @Test
  void anInvalidVirtualServiceGetsOneWarningEventWithTheReason() throws Exception {
    GenericKubernetesResource vs =
        admin.resource(Serialization.unmarshal(INVALID, GenericKubernetesResource.class)).create();

    registry.write("reviews-vs.yaml", INVALID);

    Event event =
        await()
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> eventsOn(vs), events -> !events.isEmpty())
            .get(0);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getReason()).isEqualTo(ConfigErrorEvents.REASON);
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(vs.getMetadata().getUid());
    assertThat(event.getInvolvedObject().getApiVersion()).isEqualTo("networking.istio.io/v1");
    assertThat(event.getMessage())
        .startsWith("VirtualService shop/reviews: ")
        .contains("route weights sum to 90, must be 100");
    assertThat(event.getSource().getComponent()).isEqualTo(ConfigErrorEvents.COMPONENT);
    // The same error is in /debug/syncz, word for word.
    assertThat(syncz().path("configErrors").toString())
        .contains("route weights sum to 90, must be 100");

    // More snapshots while the error persists: still one Event, written once.
    for (int i = 0; i < 3; i++) {
      registry.write(
          "other-" + i + ".yaml",
          TestRegistry.service(NS, "other-" + i, "198.19.0." + (10 + i), 80));
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> controlPlane.registry().current().services().size() == 4);
    Thread.sleep(1000);
    List<Event> events = eventsOn(vs);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getCount()).isEqualTo(1);

    // A second replica knows the same error but does not lead: it writes nothing...
    ControlPlane follower = fixture.start();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> follower.registry().current().errors().size() == 1);
    Thread.sleep(2000);
    assertThat(follower.leading()).isFalse();
    assertThat(eventsOn(vs)).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

    // ...until the leader stops (releasing the Lease): then it leads, and bumps the same Event.
    String firstWriter = events.get(0).getReportingInstance();
    fixture.stop(controlPlane);
    await().atMost(Duration.ofSeconds(15)).until(follower::leading);
    Event bumped =
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> eventsOn(vs).get(0), e -> e.getCount() == 2);
    assertThat(bumped.getReportingInstance()).isNotEqualTo(firstWriter);
    assertThat(eventsOn(vs)).hasSize(1);
  }

  private static List<Event> eventsOn(GenericKubernetesResource object) {
    return admin
        .v1()
        .events()
        .inNamespace(NS)
        .withField("involvedObject.uid", object.getMetadata().getUid())
        .list()
        .getItems();
  }

  private static JsonNode syncz() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + controlPlane.monitoringPort() + "/debug/syncz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(response.body());
  }

  /** networking.istio.io/v1 VirtualService, schema-less: what the test needs to create one. */
  private static CustomResourceDefinition virtualServiceCrd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("virtualservices.networking.istio.io")
        .endMetadata()
        .withNewSpec()
        .withGroup("networking.istio.io")
        .withScope("Namespaced")
        .withNewNames()
        .withKind("VirtualService")
        .withPlural("virtualservices")
        .withSingular("virtualservice")
        .withListKind("VirtualServiceList")
        .endNames()
        .addNewVersion()
        .withName("v1")
        .withServed(true)
        .withStorage(true)
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }
}
