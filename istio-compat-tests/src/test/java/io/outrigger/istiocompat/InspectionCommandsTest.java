package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.cli.DashboardCommand;
import io.outrigger.controlplane.cli.ProxyConfigCommand;
import io.outrigger.controlplane.cli.ProxyStatusCommand;
import io.outrigger.controlplane.meshtarget.HostMesh;
import io.outrigger.testsupport.EnvoyExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * {@code proxy-status}, {@code proxy-config} and {@code dashboard} against a running host-mode mesh
 * with real Envoy sidecars in network namespaces, found through a mesh.json in a state root of the
 * test's own (OUTRIGGER_MESH_STATE), exactly as the commands find a mesh {@code outrigger mesh up}
 * started. What they print is checked against what each Envoy's admin API says.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InspectionCommandsTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();
  @TempDir static Path stateRoot;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REVIEWS = "reviews.bookinfo.svc.cluster.local";
  private static final List<String> TYPES = List.of("CDS", "LDS", "EDS", "RDS", "SDS");
  private static HostModeMesh mesh;
  private static Map<String, String> env;

  @BeforeAll
  static void startMesh() throws IOException {
    mesh = Bookinfo.startReviewsInThreeVersions(ENVOYS);
    mesh.registry()
        .write(
            Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
            RegistryDirectory.sample("istio/reviews-canary-90-10.yaml"));
    RouteWeights.awaitSplit(
        mesh.pod(Bookinfo.PRODUCTPAGE.name()),
        ServiceAddress.REVIEWS.host(),
        List.of(90, 10),
        Duration.ofSeconds(10));
    writeMeshJson("test-mesh");
    env = new HashMap<>(System.getenv());
    env.put(HostMesh.STATE_ROOT_ENV, stateRoot.toString());
  }

  /** The file {@code outrigger mesh up} writes, with this mesh's pods and control plane. */
  private static void writeMeshJson(String name) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", name);
    root.put("stateDir", stateRoot.resolve(name).toString());
    ObjectNode cp = root.putObject("controlPlane");
    cp.put("monitoring", mesh.controlPlane().monitoringUrl());
    cp.put("xdsTls", "198.18.0.1:" + mesh.controlPlane().xdsTlsPort());
    cp.put("gateway", "198.18.0.1");
    ArrayNode pods = root.putArray("pods");
    for (MeshedPod p : mesh.meshedPods()) {
      ObjectNode pod = pods.addObject();
      pod.put("namespace", p.workload().namespace());
      pod.put("name", p.workload().name());
      pod.put("ip", p.ip());
      pod.put("netns", p.pod().netnsName());
      pod.put("sidecar", true);
      pod.put("nodeId", p.nodeId());
      pod.put("ready", true);
    }
    // A sidecar the supervisor started that never connected: proxy-status must show it, not drop
    // it.
    pods.addObject()
        .put("namespace", "bookinfo")
        .put("name", "ratings-v1")
        .put("ip", "198.18.255.254")
        .put("netns", "outrigger-never-started")
        .put("sidecar", true)
        .put("nodeId", "sidecar~198.18.255.254~ratings-v1.bookinfo~bookinfo.svc.cluster.local")
        .put("ready", false);
    Files.createDirectories(stateRoot.resolve(name));
    Files.writeString(
        stateRoot.resolve(name).resolve(HostMesh.FILE_NAME), JSON.writeValueAsString(root));
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(Callable<Integer> command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static JsonNode json(Run run) {
    assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isZero();
    try {
      return JSON.readTree(run.out());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + run.out(), e);
    }
  }

  private static JsonNode proxyStatusJson() {
    return json(run(new ProxyStatusCommand(env), "--mesh", "test-mesh", "-o", "json"));
  }

  private static JsonNode proxy(JsonNode status, MeshedPod pod) {
    for (JsonNode p : status.path("proxies")) {
      if (p.path("proxy").asText().equals(pod.nodeId())) {
        return p;
      }
    }
    throw new AssertionError("proxy-status has no " + pod.nodeId() + ": " + status);
  }

  @Test
  @Order(1)
  void proxyStatusShowsEverySidecarSyncedForEveryType() {
    JsonNode status = proxyStatusJson();
    assertThat(status.path("proxies")).hasSize(mesh.meshedPods().size() + 1);
    JsonNode notConnected = status.path("proxies").get(mesh.meshedPods().size());
    assertThat(notConnected.path("name").asText()).isEqualTo("ratings-v1.bookinfo");
    assertThat(notConnected.path("types").findValuesAsText("state"))
        .containsOnly("NOT CONNECTED")
        .hasSize(5);
    for (MeshedPod pod : mesh.meshedPods()) {
      JsonNode p = proxy(status, pod);
      assertThat(p.path("name").asText()).isEqualTo(pod.workload().name() + ".bookinfo");
      for (String type : TYPES) {
        JsonNode t = p.path("types").path(type);
        assertThat(t.path("state").asText())
            .as("%s %s: %s", pod.workload().name(), type, t)
            .isEqualTo("SYNCED");
        assertThat(t.path("acked").asText()).isEqualTo(t.path("sent").asText()).isNotEmpty();
      }
      // The version Envoy itself reports for its clusters is the one the control plane says it
      // ACKed.
      JsonNode dump = envoyDump(pod);
      assertThat(dump.findValuesAsText("version_info")).contains(p.at("/types/CDS/acked").asText());
    }

    Run table = run(new ProxyStatusCommand(env), "--mesh", "test-mesh");
    assertThat(table.exit()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.getFirst())
        .startsWith("NAME")
        .contains("CDS", "LDS", "EDS", "RDS", "SDS", "LAST NACK");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("reviews-v2.bookinfo ")
                    .matches("reviews-v2\\.bookinfo +SYNCED +SYNCED +SYNCED +SYNCED +SYNCED"));
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).matches("ratings-v1\\.bookinfo( +NOT CONNECTED){5}"));
    assertThat(run(new ProxyStatusCommand(env), "--mesh", "test-mesh", "-o", "yaml").out())
        .contains("state: SYNCED")
        .contains("name: productpage-v1.bookinfo");
  }

  @Test
  @Order(2)
  void clustersAreTheOnesTheSidecarHolds() {
    MeshedPod productpage = mesh.pod(Bookinfo.PRODUCTPAGE.name());
    List<String> envoyClusters = new ArrayList<>();
    for (JsonNode c : envoyDump(productpage).findValues("cluster")) {
      if (c.has("name")) {
        envoyClusters.add(c.path("name").asText());
      }
    }
    assertThat(envoyClusters)
        .contains(
            "outbound|9080|v1|" + REVIEWS,
            "outbound|9080|v2|" + REVIEWS,
            "outbound|9080|v3|" + REVIEWS);

    Run table = proxyConfig("clusters", "bookinfo/productpage-v1");
    List<String> lines = table.out().lines().toList();
    assertThat(lines.getFirst()).matches("SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE");
    for (String subset : List.of("v1", "v2", "v3")) {
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .matches(
                          REVIEWS.replace(".", "\\.") + " +9080 +" + subset + " +outbound +EDS"));
    }
    // Every cluster Envoy has is one row, no more.
    assertThat(lines).hasSize(envoyClusters.size() + 1);

    JsonNode raw = json(proxyConfig("clusters", "bookinfo/productpage-v1", "-o", "json"));
    assertThat(
            raw.findValues("cluster").stream()
                .filter(c -> c.has("name"))
                .map(c -> c.path("name").asText()))
        .containsExactlyInAnyOrderElementsOf(envoyClusters);
  }

  @Test
  @Order(2)
  void routesShowTheCanarySplitAndTheHeaderMatch() {
    Run table = proxyConfig("routes", "bookinfo/productpage-v1");
    assertThat(table.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("9080 ")
                    .contains("end-user=jason")
                    .contains("outbound|9080|v3|" + REVIEWS));
    assertThat(table.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("9080 ")
                    .contains(
                        "outbound|9080|v1|"
                            + REVIEWS
                            + " 90%, outbound|9080|v2|"
                            + REVIEWS
                            + " 10%"));
  }

  @Test
  @Order(2)
  void listenersAndEndpoints() {
    Run listeners = proxyConfig("listeners", "bookinfo/productpage-v1");
    assertThat(listeners.out().lines())
        .anySatisfy(l -> assertThat(l).matches("virtualOutbound +0\\.0\\.0\\.0 +15001 .*"));
    assertThat(listeners.out().lines())
        .anySatisfy(l -> assertThat(l).matches("virtualInbound +0\\.0\\.0\\.0 +15006 .*"));

    Run endpoints = proxyConfig("endpoints", "bookinfo/productpage-v1");
    assertThat(endpoints.out().lines().toList().getFirst())
        .matches("ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER");
    for (MeshedPod reviews :
        List.of(mesh.pod("reviews-v1"), mesh.pod("reviews-v2"), mesh.pod("reviews-v3"))) {
      String subset = reviews.workload().labels().get("version");
      assertThat(endpoints.out().lines())
          .anySatisfy(
              l ->
                  assertThat(l)
                      .matches(
                          reviews.ip().replace(".", "\\.")
                              + ":9080 +HEALTHY +OK +outbound\\|9080\\|"
                              + subset
                              + "\\|"
                              + REVIEWS));
    }
    // Envoy's own /clusters agrees.
    assertThat(mesh.pod("productpage-v1").sidecar().admin().clusters())
        .contains("outbound|9080|v2|" + REVIEWS + "::" + mesh.pod("reviews-v2").ip() + ":9080::");
  }

  @Test
  @Order(2)
  void secretsAreTheWorkloadCertificateAndTheRootAsEnvoyHoldsThem() throws Exception {
    MeshedPod reviews = mesh.pod("reviews-v1");
    Run table = proxyConfig("secret", "bookinfo/reviews-v1");
    List<String> lines = table.out().lines().toList();
    assertThat(lines.getFirst())
        .matches("RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER +NOT AFTER +NOT BEFORE");
    String defaultRow =
        lines.stream().filter(l -> l.startsWith("default ")).findFirst().orElseThrow();
    assertThat(defaultRow).matches("default +Cert Chain +ACTIVE +true +[0-9a-f]+ .*");
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).matches("ROOTCA +CA +ACTIVE +true +[0-9a-f]+ .*"));

    // Envoy's /certs lists the certificate it serves with: same serial number.
    JsonNode certs = JSON.readTree(reviews.sidecar().admin().get("/certs"));
    List<String> serials = certs.findValuesAsText("serial_number");
    String serial = defaultRow.split(" +")[5];
    assertThat(serials)
        .anySatisfy(
            s -> assertThat(s.replaceFirst("^0+", "")).isEqualTo(serial.replaceFirst("^0+", "")));
    // And it is this workload's identity.
    JsonNode raw = json(proxyConfig("secret", "bookinfo/reviews-v1", "-o", "json"));
    JsonNode chain = raw.findValues("certificate_chain").getFirst();
    byte[] pem =
        chain.has("inline_bytes")
            ? java.util.Base64.getDecoder().decode(chain.path("inline_bytes").asText())
            : chain
                .path("inline_string")
                .asText()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    X509Certificate cert =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem));
    assertThat(cert.getSubjectAlternativeNames().toString())
        .contains(reviews.workload().spiffeId(mesh.trustDomain()));
    assertThat(raw.toString())
        .doesNotContain("BEGIN EC PRIVATE KEY")
        .doesNotContain("BEGIN PRIVATE KEY");
  }

  @Test
  @Order(2)
  void dashboardPrintsTheMeshViewUrl() {
    Run run = run(new DashboardCommand(env), "--mesh", "test-mesh");
    assertThat(run.exit()).isZero();
    assertThat(run.out().strip()).isEqualTo(mesh.controlPlane().monitoringUrl() + "/ui");
  }

  @Test
  @Order(3)
  void aRouteEnvoyRejectsShowsAsStaleWithEnvoysNack() {
    // Java's regex accepts a possessive quantifier, so the control plane sends it; Envoy's RE2
    // refuses it.
    mesh.registry()
        .write(
            Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews.bookinfo.svc.cluster.local]
          http:
            - match: [{headers: {end-user: {regex: "ja++son"}}}]
              route: [{destination: {host: reviews.bookinfo.svc.cluster.local, subset: v3}}]
            - route: [{destination: {host: reviews.bookinfo.svc.cluster.local, subset: v1}}]
        """);
    MeshedPod productpage = mesh.pod(Bookinfo.PRODUCTPAGE.name());
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        proxy(proxyStatusJson(), productpage).at("/types/RDS/lastNack").isObject())
                    .isTrue());
    JsonNode rds = proxy(proxyStatusJson(), productpage).at("/types/RDS");
    assertThat(rds.path("state").asText()).isEqualTo("STALE");
    assertThat(rds.at("/lastNack/version").asText()).isEqualTo(rds.path("sent").asText());
    assertThat(rds.path("acked").asText()).isNotEqualTo(rds.path("sent").asText());
    assertThat(
            productpage.sidecar().admin().stats().entrySet().stream()
                .filter(e -> e.getKey().endsWith(".rds.9080.update_rejected"))
                .mapToLong(Map.Entry::getValue)
                .sum())
        .as("Envoy's own count of rejected route updates")
        .isPositive();
    String error = rds.at("/lastNack/error").asText();
    assertThat(error).as("RE2's reason, as Envoy reported it").contains("bad repetition operator");

    Run table = run(new ProxyStatusCommand(env), "--mesh", "test-mesh");
    assertThat(table.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("productpage-v1.bookinfo ")
                    .contains("STALE (sent " + rds.path("sent").asText().substring(0, 8))
                    .contains("RDS "));
  }

  private static Run proxyConfig(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--mesh";
    all[args.length + 1] = "test-mesh";
    Run run = run(new ProxyConfigCommand(env), all);
    assertThat(run.exit()).as("proxy-config %s: %s", String.join(" ", args), run.err()).isZero();
    return run;
  }

  /** The sidecar's own /config_dump, straight from its admin. */
  private static JsonNode envoyDump(MeshedPod pod) {
    try {
      return JSON.readTree(pod.sidecar().admin().get("/config_dump"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
