package io.outrigger.controlplane.registry.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.HttpRouteConfig.Condition;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.file.FileRegistry;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPRoutes read by the file registry: the status each Service parentRef earns (Accepted,
 * ResolvedRefs with the Gateway API's reasons), what is refused with the object and the field, and
 * routes that are for Gateways only.
 */
class HttpRouteConverterTest {
  @TempDir Path dir;
  private FileRegistry registry;

  @BeforeEach
  void loadBookinfo() {
    MeshFixtures.copyBookinfo(dir);
    registry = new FileRegistry(dir);
  }

  private MeshConfig load(String routes) throws IOException {
    Files.writeString(dir.resolve("routes.yaml"), routes);
    registry.reload();
    return registry.current();
  }

  private static String route(String name, String parents, String rules) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: %s, namespace: default}
        spec:
          parentRefs:
        %s
          rules:
        %s
        ---
        """
        .formatted(name, parents.indent(2).stripTrailing(), rules.indent(2).stripTrailing());
  }

  @Test
  void parentsAndBackendsEarnTheSpecsConditions() throws IOException {
    MeshConfig mesh =
        load(
            route(
                    "ok",
                    "- {group: \"\", kind: Service, name: reviews, port: 9080}",
                    "- backendRefs: [{name: ratings, port: 9080}]")
                + route(
                    "missing-backend",
                    "- {kind: Service, name: reviews}",
                    "- backendRefs: [{name: nope, port: 80}, {name: ratings, port: 1234}]")
                + route(
                    "missing-parent",
                    "- {kind: Service, name: nope}\n- {kind: Service, name: details, port: 1}",
                    "- backendRefs: [{name: ratings, port: 9080}]")
                + route(
                    "other-namespace",
                    "- {kind: Service, name: reviews}",
                    "- backendRefs: [{name: reviews, namespace: elsewhere, port: 9080}]"));

    assertThat(mesh.errors()).isEmpty();
    HttpRouteConfig ok = byName(mesh, "ok");
    assertThat(ok.attachments())
        .containsExactly(
            new HttpRouteConfig.Attachment("reviews.default.svc.cluster.local", "default", 9080));
    assertThat(ok.parents().getFirst().conditions())
        .containsExactly(
            new Condition("Accepted", true, "Accepted", "attached to the Service"),
            new Condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved"));

    HttpRouteConfig missingBackend = byName(mesh, "missing-backend");
    Condition resolved =
        missingBackend.parents().getFirst().condition("ResolvedRefs").orElseThrow();
    assertThat(resolved.status()).isFalse();
    assertThat(resolved.reason()).isEqualTo("BackendNotFound");
    assertThat(resolved.message())
        .contains("spec.rules[0].backendRefs[0]: Service default/nope does not exist")
        .contains("spec.rules[0].backendRefs[1]: Service default/ratings has no port 1234");
    assertThat(missingBackend.rules().getFirst().backends())
        .allSatisfy(d -> assertThat(d.host()).as("an unresolved backend").isEmpty());

    HttpRouteConfig missingParent = byName(mesh, "missing-parent");
    assertThat(missingParent.attachments()).isEmpty();
    assertThat(missingParent.parents())
        .extracting(p -> p.condition("Accepted").orElseThrow())
        .extracting(Condition::status, Condition::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(false, "NoMatchingParent"),
            org.assertj.core.groups.Tuple.tuple(false, "NoMatchingParent"));

    assertThat(byName(mesh, "other-namespace").parents().getFirst().condition("ResolvedRefs"))
        .hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("RefNotPermitted"));
  }

  @Test
  void unimplementedFieldsAndFiltersAreRefusedNamingThem() throws IOException {
    MeshConfig mesh =
        load(
            route(
                        "hostnames",
                        "- {kind: Service, name: reviews}",
                        "- backendRefs: [{name: reviews, port: 9080}]")
                    .replace("spec:\n", "spec:\n  hostnames: [reviews.example]\n")
                + route(
                    "cors",
                    "- {kind: Service, name: reviews}",
                    "- filters: [{type: CORS, cors: {allowOrigins: [\"*\"]}}]\n"
                        + "  backendRefs: [{name: reviews, port: 9080}]")
                + route(
                    "retry",
                    "- {kind: Service, name: reviews}",
                    "- retry: {attempts: 2}\n  backendRefs: [{name: reviews, port: 9080}]")
                + route(
                    "redirect-and-backend",
                    "- {kind: Service, name: reviews}",
                    "- filters: [{type: RequestRedirect, requestRedirect: {hostname: x.example}}]\n"
                        + "  backendRefs: [{name: reviews, port: 9080}]"));

    assertThat(mesh.errors())
        .extracting(ConfigError::message)
        .containsExactlyInAnyOrder(
            "HTTPRoute default/hostnames: spec.hostnames is not implemented by Outrigger: "
                + "refused rather than silently ignored",
            "HTTPRoute default/cors: spec.rules[0].filters[0].type CORS is not implemented by "
                + "Outrigger: refused rather than ignored",
            "HTTPRoute default/retry: spec.rules[0].retry is not implemented by Outrigger: "
                + "refused rather than silently ignored",
            "HTTPRoute default/redirect-and-backend: spec.rules[0]: a RequestRedirect cannot be "
                + "combined with backendRefs or URLRewrite");
    assertThat(mesh.httpRoutes()).isEmpty();
  }

  @Test
  void aRouteForGatewaysOnlyHasNoEffectOnTheMesh() throws IOException {
    MeshConfig mesh =
        load(
            route(
                "gateway-only",
                "- {name: my-gateway}",
                "- backendRefs: [{name: reviews, port: 9080}]"));

    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.httpRoutes()).isEmpty();
  }

  @Test
  void moreRulesThanTheLimitAreRefused() throws IOException {
    String rule = "- backendRefs: [{name: ratings, port: 9080}]\n";
    MeshConfig mesh =
        load(route("many", "- {kind: Service, name: reviews}", rule.repeat(65).stripTrailing()));

    assertThat(mesh.errors())
        .extracting(ConfigError::message)
        .containsExactly("HTTPRoute default/many: spec.rules has 65 rules, at most 64");
  }

  @Test
  void gatewayApiDurations() throws InvalidConfigException {
    assertThat(HttpRouteConverter.duration("500ms", "t")).isEqualTo(Duration.ofMillis(500));
    assertThat(HttpRouteConverter.duration("1h30m5s", "t"))
        .isEqualTo(Duration.ofHours(1).plusMinutes(30).plusSeconds(5));
    assertThat(HttpRouteConverter.duration("0s", "t")).isZero();
    assertThatThrownBy(() -> HttpRouteConverter.duration("1.5s", "spec.rules[0].timeouts.request"))
        .hasMessage(
            "spec.rules[0].timeouts.request \"1.5s\" is not a Gateway API duration "
                + "(like 10s, 500ms, 1m30s)");
  }

  private static HttpRouteConfig byName(MeshConfig mesh, String name) {
    return mesh.httpRoutes().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no HTTPRoute " + name + " in " + mesh.httpRoutes()));
  }
}
