package io.outrigger.controlplane.registry.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpRouteRule;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.StringMatch;
import io.outrigger.controlplane.registry.yaml.YamlFiles;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.sidecar.probes.AppProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  @TempDir Path dir;
  private FileRegistry registry;

  @BeforeEach
  void loadBookinfo() {
    MeshFixtures.copyBookinfo(dir);
    registry = new FileRegistry(dir);
    registry.reload();
  }

  @Test
  void readsEveryKindAcrossApiVersionsAndMultiDocumentFiles() {
    MeshConfig mesh = registry.current();

    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.services())
        .extracting(s -> s.name())
        .containsExactly("details", "mongodb", "productpage", "ratings", "reviews");
    assertThat(mesh.workloads()).hasSize(7);
    assertThat(mesh.workloadsOf(REVIEWS))
        .extracting(w -> w.name())
        .containsExactly("reviews-v1", "reviews-v2", "reviews-v3");
    var ratings = mesh.service("ratings.default.svc.cluster.local").orElseThrow();
    assertThat(ratings.vip()).isEqualTo("198.19.10.3");
    assertThat(ratings.port(9090).orElseThrow().protocol()).isEqualTo(Protocol.GRPC);
    assertThat(mesh.workload("default", "ratings-v1").orElseThrow().ports())
        .containsEntry("http-api", 8080);
    assertThat(mesh.workload("default", "productpage-v1").orElseThrow().appProbes())
        .containsExactly(
            new AppProbe(
                "/app-health/productpage/livez", AppProbe.Kind.HTTP_GET, 9080, "/healthz", ""),
            new AppProbe("/app-health/productpage/readyz", AppProbe.Kind.TCP_SOCKET, 9080, "", ""));
    assertThat(mesh.destinationRule(REVIEWS).orElseThrow().subsets()).hasSize(3);
    assertThat(mesh.peerAuthentications())
        .extracting(p -> p.namespace() + "/" + p.name() + "=" + p.mode())
        .containsExactly("default/ratings-strict=STRICT", "outrigger-system/default=PERMISSIVE");
    assertThat(mesh.peerAuthentications().getFirst().portLevel())
        .containsEntry(9090, MtlsMode.DISABLE);
  }

  @Test
  void virtualServiceRoutesKeepTheirWrittenOrderWithResolvedHostsAndPorts() {
    List<HttpRouteRule> http = registry.current().virtualService(REVIEWS).orElseThrow().http();

    assertThat(http).extracting(HttpRouteRule::name).containsExactly("jason-to-v3", "canary");
    assertThat(http.get(0).matches().getFirst().headers())
        .containsEntry("end-user", StringMatch.exact("jason"));
    assertThat(http.get(1).destinations())
        .containsExactly(
            new RouteDestination(REVIEWS, "v1", 9080, 90),
            new RouteDestination(REVIEWS, "v2", 9080, 10));
    var ratings =
        registry.current().virtualService("ratings.default.svc.cluster.local").orElseThrow();
    assertThat(ratings.http().get(1).matches().getFirst().headers())
        .containsEntry(":method", StringMatch.exact("GET"));
    assertThat(ratings.http().get(1).timeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(ratings.http().get(0).timeout()).isZero();
  }

  @Test
  void unparseableTimeoutIsRejected() {
    replace("istio.yaml", "timeout: 2.5s", "timeout: soon");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "VirtualService default/ratings: http[1].timeout: \"soon\" is not a duration (like 10s, 250ms, 1m)");
  }

  @Test
  void weightsNotSummingTo100AreRejectedWhileOtherChangesStillApply() throws IOException {
    replace("istio.yaml", "weight: 10", "weight: 0");
    replace("workloads.yaml", "198.18.10.41", "198.18.10.42");

    registry.reload();
    MeshConfig mesh = registry.current();

    assertThat(mesh.errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "VirtualService default/reviews: http[1]: route weights sum to 90, must be 100");
    assertThat(mesh.virtualService(REVIEWS).orElseThrow().http().get(1).destinations())
        .extracting(RouteDestination::weight)
        .containsExactly(90, 10);
    assertThat(mesh.workload("default", "details-v1").orElseThrow().address())
        .isEqualTo("198.18.10.42");
  }

  @Test
  void unknownSubsetIsRejectedNamingTheSubsetAndHost() throws IOException {
    replace("istio.yaml", "subset: v3", "subset: v9");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "VirtualService default/reviews: http[0].route[0]: unknown subset \"v9\" of host reviews");
    assertThat(
            registry
                .current()
                .virtualService(REVIEWS)
                .orElseThrow()
                .http()
                .get(0)
                .destinations()
                .getFirst()
                .subset())
        .isEqualTo("v3");
  }

  @Test
  void invalidYamlNamesFileAndLineAndKeepsThatFilesObjects() throws IOException {
    Files.writeString(
        dir.resolve("istio.yaml"), "apiVersion: networking.istio.io/v1\nkind: [unclosed\n");
    Files.writeString(
        dir.resolve("extra.yaml"),
        """
                apiVersion: v1
                kind: Service
                metadata: {name: extra, namespace: default}
                spec: {clusterIP: 198.19.10.9, selector: {app: extra}, ports: [{name: http, port: 80}]}
                """);

    registry.reload();
    MeshConfig mesh = registry.current();

    assertThat(mesh.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo("File");
              assertThat(e.message())
                  .isEqualTo(
                      "File istio.yaml: invalid YAML in istio.yaml: while parsing a flow"
                          + " sequence (line 2, column 7): expected ',' or ']', but got <stream end> (line 3, column 1)");
            });
    assertThat(mesh.virtualServices()).hasSize(2);
    assertThat(mesh.service("extra.default.svc.cluster.local")).isPresent();
  }

  @Test
  void anOversizedFileIsNotReadAndItsLastGoodObjectsStay() throws IOException {
    Path workloads = dir.resolve("workloads.yaml");
    Files.writeString(
        workloads, Files.readString(workloads) + "#" + "x".repeat((int) YamlFiles.MAX_FILE_BYTES));

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "File workloads.yaml: workloads.yaml is "
                + Files.size(workloads)
                + " bytes, larger than the limit of "
                + YamlFiles.MAX_FILE_BYTES);
    assertThat(registry.current().workload("default", "reviews-v1")).isPresent();
  }

  @Test
  void yamlNestedPastTheLimitIsRefusedAndTheOtherFilesStay() throws IOException {
    Files.writeString(dir.resolve("deep.yaml"), "a: " + "[".repeat(100_000));

    registry.reload();

    assertThat(registry.current().errors())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.message())
                    .startsWith("File deep.yaml: invalid YAML in deep.yaml: ")
                    .contains("exceeds the maximum allowed (" + KubeYaml.MAX_NESTING_DEPTH));
    assertThat(registry.current().workload("default", "reviews-v1")).isPresent();
  }

  @Test
  void invalidFieldTypeRejectsOnlyThatObject() throws IOException {
    replace("workloads.yaml", "address: 198.18.10.21", "address: not-an-ip");
    replace("services.yaml", "port: 27017", "port: many");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactlyInAnyOrder(
            "WorkloadEntry default/reviews-v1: spec.address \"not-an-ip\" is not an IP address "
                + "(host names are not resolved)",
            "Service default/mongodb: invalid Service in services.yaml: Cannot deserialize value of type "
                + "`java.lang.Integer` from String \"many\": not a valid `java.lang.Integer` value");
    assertThat(registry.current().workload("default", "reviews-v1").orElseThrow().address())
        .isEqualTo("198.18.10.21");
    assertThat(registry.current().service("mongodb.default.svc.cluster.local")).isPresent();
  }

  @Test
  void aServiceAccountThatIsNoKubernetesNameIsRefusedAndTheLastGoodWorkloadStays() {
    replace(
        "workloads.yaml", "serviceAccount: bookinfo-reviews", "serviceAccount: reviews/sa/admin");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .contains(
            "WorkloadEntry default/reviews-v1: spec.serviceAccount \"reviews/sa/admin\" is not a valid"
                + " Kubernetes service account name");
    assertThat(registry.current().workload("default", "reviews-v1").orElseThrow().serviceAccount())
        .isEqualTo("bookinfo-reviews");
  }

  @Test
  void httpsAppProbeIsRejectedNamingTheAnnotation() {
    replace(
        "workloads.yaml",
        "\"path\":\"/healthz\",\"port\":9080",
        "\"path\":\"/healthz\",\"port\":9080,\"scheme\":\"HTTPS\"");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "WorkloadEntry default/productpage-v1: metadata.annotations[outrigger.io/app-probes]"
                + "[/app-health/productpage/livez]: HTTPS probes are not supported by the sidecar yet");
  }

  @Test
  void newObjectThatIsInvalidHasNoLastGoodVersionAndIsLeftOut() throws IOException {
    Files.writeString(
        dir.resolve("bad.yaml"),
        """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: bad, namespace: default}
                spec:
                  host: ratings
                  trafficPolicy: {tls: {mode: SIMPLE}}
                """);

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "DestinationRule default/bad: spec.trafficPolicy.tls.mode SIMPLE is not supported "
                + "(use ISTIO_MUTUAL or DISABLE)");
    assertThat(registry.current().destinationRules())
        .extracting(d -> d.name())
        .containsExactly("reviews");
  }

  @Test
  void deletedObjectsLeaveTheMeshAndOtherKindsAreIgnored() throws IOException {
    Files.delete(dir.resolve("workloads.yaml"));
    Files.writeString(
        dir.resolve("deploy.yaml"),
        """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: reviews-v1}
                """);

    registry.reload();

    assertThat(registry.current().workloads()).isEmpty();
    assertThat(registry.current().errors()).isEmpty();
  }

  @Test
  void configMapVolumeLayoutIsReadOnceThroughItsSymlinks() throws IOException {
    Path data = Files.createDirectory(dir.resolve("..2026_11_21_06_00_00.000"));
    Files.writeString(
        data.resolve("cart.yaml"),
        """
                apiVersion: v1
                kind: Service
                metadata: {name: cart}
                spec: {clusterIP: 198.19.10.50, selector: {app: cart}, ports: [{name: http, port: 80}]}
                """);
    Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
    Files.createSymbolicLink(dir.resolve("cart.yaml"), Path.of("..data/cart.yaml"));

    registry.reload();

    assertThat(registry.current().errors()).isEmpty();
    assertThat(registry.current().service("cart.default.svc.cluster.local")).isPresent();
  }

  @Test
  void sameObjectInTwoFilesIsReportedAndTheFirstWins() throws IOException {
    Files.writeString(
        dir.resolve("z-dup.yaml"),
        """
                apiVersion: v1
                kind: Service
                metadata: {name: details}
                spec: {clusterIP: 198.19.10.99, selector: {app: details}, ports: [{name: http, port: 9080}]}
                """);

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "Service default/details: defined twice (in services.yaml and z-dup.yaml), the first one is used");
    assertThat(registry.current().service("details.default.svc.cluster.local").orElseThrow().vip())
        .isEqualTo("198.19.10.4");
  }

  @Test
  void reloadWithoutChangeKeepsTheSnapshotAndVersionGrowsOnChange() throws IOException {
    MeshConfig before = registry.current();
    registry.reload();
    assertThat(registry.current()).isSameAs(before);

    replace("workloads.yaml", "198.18.10.41", "198.18.10.43");
    registry.reload();

    assertThat(registry.current().version()).isGreaterThan(before.version());
  }

  private void replace(String file, String from, String to) {
    MeshFixtures.replace(dir, file, from, to);
  }
}
