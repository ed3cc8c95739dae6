package io.outrigger.controlplane.webhook;

import static io.outrigger.controlplane.webhook.WebhookCluster.revisionOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.controlplane.cli.ControlPlaneCommand;
import io.outrigger.controlplane.cli.RevisionCommand;
import io.outrigger.controlplane.kube.ClusterSettings;
import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.controlplane.server.ServingCertificateRotationTest;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.injector.webhook.WebhookManifest;
import io.outrigger.testsupport.KubeApiServerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Test tier 4: the real kube-apiserver calls the webhooks two control planes (revisions {@code a}
 * and {@code b}) host on loopback, through URL-based webhook configurations that carry the CA
 * bundle the control planes wrote themselves. What is asserted is what the API server stored or
 * refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeWebhooksTest {
  private static final String SYSTEM = "outrigger-system";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  @TempDir static Path work;
  private static Path kubeconfig;
  private static KubernetesClient admin;
  private static WebhookCluster cluster;
  private static ControlPlane a;
  private static ControlPlane b;

  @BeforeAll
  static void startTwoRevisions() throws Exception {
    kubeconfig =
        kube.server().writeKubeconfig(work.resolve("kubeconfig"), kube.server().adminToken());
    admin = KubeConnection.kubeconfig(kubeconfig).newClient();
    cluster = new WebhookCluster(admin);
    cluster.installCrds();
    TestRegistry registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write(
        "mesh.yaml",
        TestRegistry.service("shop", "reviews", "198.19.0.30", 9080)
            + """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: shop}
        spec:
          host: reviews
          subsets:
            - {name: v1, labels: {version: v1}}
        """);
    // The control planes' own namespace holds their leader Leases; a chart creates it before them.
    cluster.namespace(SYSTEM, Map.of());
    a = start("a", registry.dir());
    b = start("b", registry.dir());
    for (ControlPlane revision : List.of(a, b)) {
      WebhookManifest.Settings settings =
          new WebhookManifest.Settings(
              "",
              new WebhookManifest.UrlTarget("https://127.0.0.1:" + revision.webhookPort()),
              SYSTEM,
              revision == a ? "a" : "b",
              Optional.empty());
      WebhookManifest manifest = new WebhookManifest();
      admin
          .resource(
              cluster.convert(manifest.mutating(settings), MutatingWebhookConfiguration.class))
          .create();
      if (revision == a) {
        admin
            .resource(
                cluster.convert(
                    manifest.validating(settings), ValidatingWebhookConfiguration.class))
            .create();
      }
    }
    // The configurations were created without a CA bundle: each control plane writes its own.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Stream.of("a", "b")
                    .allMatch(
                        r ->
                            bundled(
                                admin
                                    .admissionRegistration()
                                    .v1()
                                    .mutatingWebhookConfigurations()
                                    .withName(WebhookManifest.mutatingName(r))
                                    .get()
                                    .getWebhooks()
                                    .stream()
                                    .map(h -> h.getClientConfig().getCaBundle()))));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                bundled(
                    admin
                        .admissionRegistration()
                        .v1()
                        .validatingWebhookConfigurations()
                        .withName(WebhookManifest.validatingName("a"))
                        .get()
                        .getWebhooks()
                        .stream()
                        .map(h -> h.getClientConfig().getCaBundle())));
    cluster.namespace("shop", Map.of());
    cluster.namespace("ns-a", Map.of("outrigger.io/rev", "a"));
    cluster.namespace("ns-b", Map.of("istio.io/rev", "b"));
    cluster.namespace("plain", Map.of());
    cluster.namespace("moving", Map.of("outrigger.io/rev", "a"));
    cluster.namespace("tagged", Map.of("outrigger.io/rev", "prod"));
    cluster.namespace("enabled", Map.of("outrigger-injection", "enabled"));
  }

  private static ControlPlane start(String revision, Path registry) {
    ClusterSettings cluster =
        ClusterSettings.of(KubeConnection.kubeconfig(kubeconfig))
            .withRevision(revision)
            .withNamespace(SYSTEM)
            .withWebhookPort(0)
            .withExtraServingNames(List.of("127.0.0.1"));
    return ControlPlane.start(
        ControlPlaneSettings.forTests(registry, work.resolve("ca")).withCluster(cluster));
  }

  @AfterAll
  static void stop() {
    Stream.of(a, b).filter(c -> c != null).forEach(ControlPlane::close);
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  @Order(1)
  void aPodInARevisionsNamespaceIsStoredWithThatRevisionsSidecar() {
    Pod pod = cluster.awaitPod("ns-a", p -> revisionOf(p).isPresent());

    assertThat(revisionOf(pod)).contains("a");
    assertThat(pod.getSpec().getInitContainers())
        .extracting(c -> c.getName())
        .contains("outrigger-proxy");
    // Its sidecar dials revision a's Service and nothing else.
    String args = String.join(" ", pod.getSpec().getInitContainers().getFirst().getArgs());
    assertThat(args).contains("outrigger-a.outrigger-system.svc").doesNotContain("outrigger-b.");
    assertThat(revisionOf(cluster.awaitPod("ns-b", p -> revisionOf(p).isPresent()))).contains("b");
    // No revision selected: nobody injects.
    Pod plain = cluster.createPod("plain");
    assertThat(plain.getMetadata().getAnnotations()).doesNotContainKey("outrigger.io/status");
  }

  @Test
  @Order(2)
  void aRevisionsHandlerLeavesAnotherRevisionsPodAloneEvenWhenCalled() throws Exception {
    // As if a stale configuration sent b's pod to a: a's handler reads the namespace and refuses to
    // mesh it.
    String review =
        """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",
         "kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"ns-b","name":"stray",
         "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"stray","namespace":"ns-b"},
                   "spec":{"containers":[{"name":"app","image":"app:1"}]}}}}""";

    JsonNode answer = post(a, "/inject", review);

    assertThat(answer.path("response").path("allowed").asBoolean()).isTrue();
    assertThat(answer.path("response").has("patch")).isFalse();
  }

  @Test
  @Order(3)
  void relabelingANamespaceMovesItsNewPodsToTheOtherRevision() {
    assertThat(revisionOf(cluster.awaitPod("moving", p -> revisionOf(p).isPresent())))
        .contains("a");

    admin
        .namespaces()
        .withName("moving")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("outrigger.io/rev", "b");
              return n;
            });

    assertThat(revisionOf(cluster.awaitPod("moving", p -> revisionOf(p).equals(Optional.of("b")))))
        .contains("b");
  }

  @Test
  @Order(4)
  void movingATagMovesTheNamespacesThatUseIt() {
    Result set = cli("tag", "set", "prod", "--revision", "a");
    assertThat(set.exit()).as(set.err()).isZero();
    assertThat(set.out()).contains("tag prod: now points at revision a (namespaces: tagged)");
    assertThat(revisionOf(cluster.awaitPod("tagged", p -> revisionOf(p).isPresent())))
        .contains("a");

    Result moved = cli("tag", "set", "prod", "--revision", "b");
    assertThat(moved.out()).contains("tag prod: moved from revision a to revision b");
    assertThat(revisionOf(cluster.awaitPod("tagged", p -> revisionOf(p).equals(Optional.of("b")))))
        .contains("b");

    assertThat(cli("tag", "set", "prod", "--revision", "b").out())
        .contains("tag prod: already pointed at revision b");
    Result list = cli("list");
    assertThat(list.out())
        .containsPattern("(?m)^a\\s+-\\s+ns-a$")
        .containsPattern("(?m)^b\\s+prod\\s+moving,ns-b,tagged$");
  }

  @Test
  @Order(5)
  void theTagDefaultTakesTheInjectionEnabledNamespaces() {
    // No revision is named "default" here: injection=enabled selects nobody until the tag exists.
    assertThat(cluster.createPod("enabled").getMetadata().getAnnotations())
        .doesNotContainKey("outrigger.io/status");

    assertThat(cli("tag", "set", "default", "--revision", "a").exit()).isZero();

    assertThat(revisionOf(cluster.awaitPod("enabled", p -> revisionOf(p).isPresent())))
        .contains("a");
    assertThat(cli("tag", "remove", "default", "--force").exit()).isZero();
  }

  @Test
  @Order(6)
  void tagCommandsRefuseWhatCannotWork() {
    Result unknown = cli("tag", "set", "canary", "--revision", "nope");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err())
        .contains(
            "revision nope: unknown (no MutatingWebhookConfiguration labeled "
                + "outrigger.io/rev=nope); known revisions: a, b");
    assertThat(cli("tag", "set", "a", "--revision", "b").err())
        .contains("tag a: a revision of that name exists");
    assertThat(cli("tag", "remove", "prod").err())
        .contains("tag prod: still selected by namespace(s) tagged");
    assertThat(cli("tag", "remove", "ghost").err()).contains("tag ghost: no such tag (tags: prod)");

    // A tag whose revision is gone points nowhere, and the listing says so.
    cli("tag", "set", "old", "--revision", "a");
    admin
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName(WebhookManifest.tagName("old"))
        .edit(
            c -> {
              c.getMetadata().getLabels().put(WebhookManifest.REVISION_LABEL, "gone");
              return c;
            });
    assertThat(cli("list").out())
        .contains("warning: tag old points at revision gone, which does not exist");
    assertThat(cli("tag", "remove", "old").exit()).isZero();
  }

  @Test
  @Order(7)
  void invalidIstioConfigIsRefusedWithTheControlPlanesReason() {
    KubernetesClientException weights =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                cluster.apply(
                    "networking.istio.io/v1",
                    "VirtualService",
                    """
            metadata: {name: bad-weights, namespace: shop}
            spec:
              hosts: [reviews]
              http:
                - route:
                    - {destination: {host: reviews, subset: v1}, weight: 90}
            """));
    assertThat(weights).isNotNull();
    assertThat(weights.getMessage())
        .contains(
            "denied the request: VirtualService shop/bad-weights: "
                + "http[0]: route weights sum to 90, must be 100");
    assertThat(
            catchThrowableOfType(
                    KubernetesClientException.class,
                    () ->
                        cluster.apply(
                            "networking.istio.io/v1beta1",
                            "VirtualService",
                            """
            metadata: {name: bad-subset, namespace: shop}
            spec:
              hosts: [reviews]
              http: [{route: [{destination: {host: reviews, subset: v9}}]}]
            """))
                .getMessage())
        .contains("unknown subset \"v9\" of host reviews");
    assertThat(
            catchThrowableOfType(
                    KubernetesClientException.class,
                    () ->
                        cluster.apply(
                            "networking.istio.io/v1",
                            "DestinationRule",
                            """
            metadata: {name: no-host, namespace: shop}
            spec: {subsets: [{name: v1}]}
            """))
                .getMessage())
        .contains("DestinationRule shop/no-host: spec.host is missing");
    assertThat(
            catchThrowableOfType(
                    KubernetesClientException.class,
                    () ->
                        cluster.apply(
                            "security.istio.io/v1",
                            "PeerAuthentication",
                            """
            metadata: {name: ports, namespace: shop}
            spec: {portLevelMtls: {"8080": {mode: DISABLE}}}
            """))
                .getMessage())
        .contains("spec.portLevelMtls requires spec.selector");

    // Valid config is stored, and so is a route to a host the control plane does not know yet.
    cluster.apply(
        "networking.istio.io/v1",
        "VirtualService",
        """
        metadata: {name: good, namespace: shop}
        spec:
          hosts: [reviews]
          http: [{route: [{destination: {host: reviews, subset: v1}, weight: 100}]}]
        """);
    cluster.apply(
        "networking.istio.io/v1",
        "VirtualService",
        """
        metadata: {name: later, namespace: shop}
        spec:
          hosts: [ratings]
          http: [{route: [{destination: {host: ratings}}]}]
        """);
    assertThat(
            admin
                .genericKubernetesResources("networking.istio.io/v1", "VirtualService")
                .inNamespace("shop")
                .list()
                .getItems())
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("good", "later");
  }

  @Test
  @Order(8)
  void withTheControlPlaneDownPodCreationIsRefusedNotUnmeshed() {
    b.close();
    ControlPlane closed = b;
    b = null;
    assertThat(closed).isNotNull();

    KubernetesClientException refused =
        catchThrowableOfType(KubernetesClientException.class, () -> cluster.createPod("ns-b"));

    assertThat(refused).as("failurePolicy Fail: no pod without its sidecar").isNotNull();
    assertThat(refused.getMessage()).contains("failed calling webhook").contains("127.0.0.1");
    assertThat(admin.pods().inNamespace("ns-b").list().getItems())
        .allMatch(p -> revisionOf(p).equals(Optional.of("b")));
  }

  @Test
  @Order(9)
  void theCommandWithAKubeconfigWritesItsRevisionsCaBundle() throws Exception {
    WebhookManifest.Settings c = new WebhookManifest.Settings("", "outrigger-c", SYSTEM, "c", 443);
    admin
        .resource(
            cluster.convert(new WebhookManifest().mutating(c), MutatingWebhookConfiguration.class))
        .create();
    ControlPlaneCommand command = new ControlPlaneCommand();
    Thread running =
        Thread.ofPlatform()
            .name("control-plane-c")
            .start(
                () ->
                    new CommandLine(command)
                        .execute(
                            "--registry",
                            "file:" + work.resolve("registry"),
                            "--ca-dir",
                            work.resolve("ca").toString(),
                            "--xds-port",
                            "-1",
                            "--xds-tls-port",
                            "0",
                            "--monitoring-port",
                            "0",
                            "--bind-address",
                            "127.0.0.1",
                            "--webhook-port",
                            "0",
                            "--kubeconfig",
                            kubeconfig.toString(),
                            "--revision",
                            "c"));
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  bundled(
                      admin
                          .admissionRegistration()
                          .v1()
                          .mutatingWebhookConfigurations()
                          .withName(WebhookManifest.mutatingName("c"))
                          .get()
                          .getWebhooks()
                          .stream()
                          .map(h -> h.getClientConfig().getCaBundle())));
    } finally {
      command.stop();
      running.join(Duration.ofSeconds(15));
    }
    assertThat(running.isAlive()).isFalse();
  }

  // ---- helpers

  private static boolean bundled(Stream<String> bundles) {
    String expected =
        java.util.Base64.getEncoder()
            .encodeToString(a.rootCertPem().getBytes(StandardCharsets.US_ASCII));
    return bundles.allMatch(expected::equals);
  }

  private static JsonNode post(ControlPlane controlPlane, String path, String body)
      throws Exception {
    SSLContext tls = ServingCertificateRotationTest.trusting(controlPlane.rootCertPem());
    // Verifies the certificate's 127.0.0.1 IP SAN, as the API server does.
    try (HttpClient client = HttpClient.newBuilder().sslContext(tls).build()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + controlPlane.webhookPort() + path))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    }
  }

  record Result(int exit, String out, String err) {}

  private static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString()));
    all.addAll(List.of(args));
    CommandLine command =
        new CommandLine(new RevisionCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));
    command.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("error: " + e.getMessage());
          return 1;
        });
    int exit = command.execute(all.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }
}
