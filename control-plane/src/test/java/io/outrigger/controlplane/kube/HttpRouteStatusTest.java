package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.outrigger.controlplane.registry.convert.HttpRouteConverter;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test tier 4: the leader writes an HTTPRoute's status in the real API server (the chart's Gateway
 * API CRD, status subresource): one {@code status.parents[]} entry per Service parentRef, with
 * controllerName {@value HttpRouteConverter#CONTROLLER_NAME}, Accepted True, and ResolvedRefs True
 * or False with reason BackendNotFound when a backendRef names a Service that does not exist; a
 * route the registry refuses is Accepted False (UnsupportedValue) with the refusal. The same route
 * is in the control plane's file registry (with the generation the API server gives a new object),
 * as in ConfigErrorEventsTest.
 */
class HttpRouteStatusTest {
  static final String NS = "shop";

  @RegisterExtension
  @Order(1)
  static final KubeApiServerExtension kube = new KubeApiServerExtension();

  @RegisterExtension
  @Order(2)
  static final KubeControlPlane fixture = new KubeControlPlane(kube);

  static KubernetesClient admin;
  static TestRegistry registry;
  static ControlPlane controlPlane;

  @BeforeAll
  static void start() {
    KubeTestCluster cluster = fixture.cluster();
    admin = cluster.admin();
    cluster.namespace(NS);
    KubeTestCluster.installIstioCrds(admin, Duration.ofSeconds(30));
    registry = fixture.registry();
    registry.write(
        "services.yaml",
        TestRegistry.service(NS, "reviews", "198.19.0.2", 9080)
            + "---\n"
            + TestRegistry.service(NS, "reviews-v1", "198.19.0.3", 9080));
    controlPlane = fixture.start();
  }

  static String route(String name, String backend, String extra) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: %s
          namespace: shop
          generation: 1
        spec:
          %s
          parentRefs:
          - {group: "", kind: Service, name: reviews, port: 9080}
          rules:
          - backendRefs:
            - {name: %s, port: 9080}
        """
        .formatted(name, extra, backend);
  }

  @Test
  void acceptedAndResolvedRefsAreWrittenWithTheSpecsReasons() {
    String good = route("good", "reviews-v1", "");
    String missing = route("missing", "reviews-v9", "");
    String refused = route("refused", "reviews-v1", "hostnames: [reviews.example]");
    for (String yaml : List.of(good, missing, refused)) {
      HTTPRoute object = Serialization.unmarshal(yaml, HTTPRoute.class);
      object.getMetadata().setGeneration(null);
      admin.resource(object).create();
    }
    registry.write("routes.yaml", good + "---\n" + missing + "---\n" + refused);

    await().atMost(Duration.ofSeconds(20)).until(controlPlane::leading);
    RouteParentStatus goodStatus = awaitStatus("good");
    assertThat(goodStatus.getParentRef().getKind()).isEqualTo("Service");
    assertThat(goodStatus.getParentRef().getName()).isEqualTo("reviews");
    assertThat(goodStatus.getParentRef().getPort()).isEqualTo(9080);
    assertThat(condition(goodStatus, "Accepted"))
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("Accepted");
              assertThat(c.getObservedGeneration()).isEqualTo(1L);
            });
    assertThat(condition(goodStatus, "ResolvedRefs").getStatus()).isEqualTo("True");

    RouteParentStatus missingStatus = awaitStatus("missing");
    assertThat(condition(missingStatus, "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(missingStatus, "ResolvedRefs"))
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("BackendNotFound");
              assertThat(c.getMessage()).contains("shop/reviews-v9 does not exist");
            });

    RouteParentStatus refusedStatus = awaitStatus("refused");
    assertThat(condition(refusedStatus, "Accepted"))
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("UnsupportedValue");
              assertThat(c.getMessage()).contains("spec.hostnames");
            });

    // The backend appears: ResolvedRefs turns True, Accepted keeps its transition time.
    String acceptedAt = condition(missingStatus, "Accepted").getLastTransitionTime();
    registry.write("more.yaml", TestRegistry.service(NS, "reviews-v9", "198.19.0.4", 9080));
    RouteParentStatus resolved =
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> status("missing").orElse(null),
                s -> s != null && "True".equals(condition(s, "ResolvedRefs").getStatus()));
    assertThat(condition(resolved, "Accepted").getLastTransitionTime()).isEqualTo(acceptedAt);
  }

  private static RouteParentStatus awaitStatus(String name) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(name).orElse(null), s -> s != null);
  }

  private static Optional<RouteParentStatus> status(String name) {
    HTTPRoute route = admin.resources(HTTPRoute.class).inNamespace(NS).withName(name).get();
    if (route == null || route.getStatus() == null || route.getStatus().getParents() == null) {
      return Optional.empty();
    }
    return route.getStatus().getParents().stream()
        .filter(p -> HttpRouteConverter.CONTROLLER_NAME.equals(p.getControllerName()))
        .findFirst();
  }

  private static Condition condition(RouteParentStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition in " + status));
  }
}
