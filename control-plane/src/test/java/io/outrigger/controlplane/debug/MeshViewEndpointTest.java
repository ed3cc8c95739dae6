package io.outrigger.controlplane.debug;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.telemetry.SinkFlush;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.controlplane.testing.TestClock;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.outrigger.controlplane.xds.Nack;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import io.outrigger.controlplane.xds.TypeSyncStatus;
import io.outrigger.controlplane.xds.XdsTypes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /api/mesh and /ui on a real monitoring port: the document built from the bookinfo model, given
 * sidecar flushes and given sync states; the page's files with their content types; what is
 * refused.
 */
class MeshViewEndpointTest {
  static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
  static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
  static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
  static final String PRODUCTPAGE_PROXY =
      "sidecar~198.19.0.100~productpage-v1.default~default.svc.cluster.local";
  static final String REVIEWS_PROXY =
      "sidecar~198.19.0.101~reviews-v1.default~default.svc.cluster.local";
  static final String RATINGS_PROXY =
      "sidecar~198.19.0.102~ratings-v1.default~default.svc.cluster.local";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path registry;
  static MonitoringServer server;

  @BeforeAll
  static void start() throws IOException {
    MeshConfig mesh = MeshFixtures.bookinfo(registry);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    TestClock clock = new TestClock(t0);
    MeshTelemetry telemetry = new MeshTelemetry(Duration.ofSeconds(30), clock);
    ConnectedProxy productpage =
        new ConnectedProxy(
            PRODUCTPAGE_PROXY,
            "default",
            "productpage-v1",
            "bookinfo-productpage",
            true,
            Node.getDefaultInstance());
    telemetry.opened(productpage);
    telemetry.record(
        productpage,
        new SinkFlush()
            .cluster(V1, 0, 0, 1)
            .cluster(V2, 0, 0, 1)
            .cluster(RATINGS, 0, 0, 0)
            .build());
    clock.advance(Duration.ofSeconds(10));
    telemetry.record(
        productpage,
        new SinkFlush()
            .cluster(V1, 900, 0, 1, 0, 900)
            .cluster(V2, 100, 2, 1, 0, 100)
            .cluster(RATINGS, 40, 0, 0, 0, 40)
            .build());
    Nack nack =
        new Nack("7", "Proto constraint validation failed: regex too large", t0.plusSeconds(5));
    List<ProxySyncStatus> sync =
        List.of(
            new ProxySyncStatus(
                PRODUCTPAGE_PROXY,
                "default/bookinfo-productpage",
                true,
                "sotw",
                1,
                t0,
                List.of(
                    new TypeSyncStatus(XdsTypes.CLUSTER, "6", t0, "6", t0, 3, true, null),
                    new TypeSyncStatus(XdsTypes.ROUTE, "7", t0, "6", t0, 1, false, nack))),
            new ProxySyncStatus(
                REVIEWS_PROXY,
                "default/bookinfo-reviews",
                true,
                "delta",
                2,
                t0,
                List.of(new TypeSyncStatus(XdsTypes.CLUSTER, "6", t0, "6", t0, 3, true, null))),
            // Sent version 8 and not ACKed yet; its NACK was of an older version.
            new ProxySyncStatus(
                RATINGS_PROXY,
                "default/bookinfo-ratings",
                true,
                "sotw",
                3,
                t0,
                List.of(new TypeSyncStatus(XdsTypes.CLUSTER, "8", t0, "6", t0, 3, false, nack))));
    List<ConfigError> errors =
        List.of(
            new ConfigError(
                "VirtualService", "default", "broken", "route weights sum to 90, must be 100"));
    DebugSource source =
        new DebugSource() {
          @Override
          public List<ProxySyncStatus> syncStatus() {
            return sync;
          }

          @Override
          public List<ConfigError> configErrors() {
            return errors;
          }

          @Override
          public long meshVersion() {
            return mesh.version();
          }

          @Override
          public MeshConfig mesh() {
            return mesh;
          }

          @Override
          public MeshTelemetry.Traffic traffic() {
            return telemetry.traffic();
          }

          @Override
          public Map<String, String> proxyWorkloads() {
            return Map.of(
                PRODUCTPAGE_PROXY, "default/productpage-v1", REVIEWS_PROXY, "default/reviews-v1");
          }

          @Override
          public Optional<ProxySnapshot> snapshot(String proxyId) {
            return Optional.empty();
          }
        };
    server =
        new MonitoringServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            source);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                method.equals("POST")
                    ? HttpRequest.BodyPublishers.ofString("{}")
                    : HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode api() throws Exception {
    HttpResponse<String> r = send("GET", "/api/mesh");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    return JSON.readTree(r.body());
  }

  static JsonNode find(JsonNode list, String field, String value) {
    for (JsonNode n : list) {
      if (n.path(field).asText().equals(value)) {
        return n;
      }
    }
    throw new AssertionError("no " + field + "=" + value + " in " + list);
  }

  @Test
  void reviewsSplitIsObservedNextToTheCatchAllRoutesWeights() throws Exception {
    JsonNode reviews = find(api().path("services"), "host", "reviews.default.svc.cluster.local");

    assertThat(reviews.path("workloads"))
        .extracting(JsonNode::asText)
        .containsExactly("default/reviews-v1", "default/reviews-v2", "default/reviews-v3");
    JsonNode split = reviews.path("split");
    assertThat(split.path("virtualService").asText()).isEqualTo("default/reviews");
    assertThat(split.path("requests").asLong()).isEqualTo(1000);
    JsonNode v1 = find(split.path("subsets"), "subset", "v1");
    assertThat(v1.path("configuredPercent").asInt()).isEqualTo(90);
    assertThat(v1.path("observedPercent").asDouble()).isEqualTo(90.0);
    JsonNode v3 = find(split.path("subsets"), "subset", "v3");
    assertThat(v3.path("configuredPercent").asInt())
        .as("only jason reaches v3, by a match rule")
        .isZero();
    assertThat(v3.path("observedPercent").asDouble()).isZero();
    assertThat(find(reviews.path("subsets"), "name", "v2").path("workloads"))
        .extracting(JsonNode::asText)
        .containsExactly("default/reviews-v2");
    assertThat(
            find(api().path("services"), "host", "ratings.default.svc.cluster.local").has("split"))
        .as("no subsets, no split")
        .isFalse();
  }

  @Test
  void edgesCarryRateSuccessLatencyAndMtls() throws Exception {
    JsonNode doc = api();
    assertThat(doc.path("windowSeconds").asInt()).isEqualTo(30);

    JsonNode v2 = null;
    JsonNode ratings = null;
    for (JsonNode e : doc.path("edges")) {
      assertThat(e.path("source").asText()).isEqualTo("default/productpage-v1");
      if (e.path("subset").asText().equals("v2")) {
        v2 = e;
      } else if (e.path("destination").asText().startsWith("ratings")) {
        ratings = e;
      }
    }
    assertThat(doc.path("edges")).hasSize(3);
    assertThat(v2.path("port").asInt()).isEqualTo(9080);
    assertThat(v2.path("requests").asLong()).isEqualTo(100);
    assertThat(v2.path("rps").asDouble()).isEqualTo(10.0);
    assertThat(v2.path("successRate").asDouble()).isEqualTo(0.98);
    assertThat(v2.path("p50Ms").asDouble()).isEqualTo(0.75);
    assertThat(v2.path("p99Ms").asDouble()).isBetween(0.99, 1.0);
    assertThat(v2.path("mtls").asBoolean()).isTrue();
    assertThat(ratings.path("subset").asText()).isEmpty();
    assertThat(ratings.path("mtls").asBoolean()).isFalse();
  }

  @Test
  void proxiesShowTheirStateAndLastNackAndWorkloadsTheirProxy() throws Exception {
    JsonNode doc = api();

    JsonNode productpage = find(doc.path("proxies"), "proxy", PRODUCTPAGE_PROXY);
    assertThat(productpage.path("state").asText()).isEqualTo("NACKED");
    assertThat(productpage.path("workload").asText()).isEqualTo("default/productpage-v1");
    assertThat(productpage.path("reportingMetrics").asBoolean()).isTrue();
    assertThat(productpage.at("/lastNack/type").asText()).isEqualTo("RouteConfiguration");
    assertThat(productpage.at("/lastNack/version").asText()).isEqualTo("7");
    assertThat(productpage.at("/lastNack/error").asText()).contains("regex too large");
    assertThat(productpage.at("/types/RouteConfiguration/inSync").asBoolean()).isFalse();
    JsonNode reviews = find(doc.path("proxies"), "proxy", REVIEWS_PROXY);
    assertThat(reviews.path("state").asText()).isEqualTo("SYNCED");
    assertThat(reviews.path("reportingMetrics").asBoolean()).isFalse();
    assertThat(reviews.path("lastNack").isNull()).isTrue();
    JsonNode ratings = find(doc.path("proxies"), "proxy", RATINGS_PROXY);
    assertThat(ratings.path("state").asText())
        .as("a NACK of an older version: waiting, not refused")
        .isEqualTo("STALE");
    assertThat(ratings.at("/lastNack/version").asText()).isEqualTo("7");

    JsonNode workload = find(doc.path("workloads"), "id", "default/productpage-v1");
    assertThat(workload.path("proxy").asText()).isEqualTo(PRODUCTPAGE_PROXY);
    assertThat(workload.path("reporting").asBoolean()).isTrue();
    assertThat(workload.path("services"))
        .extracting(JsonNode::asText)
        .containsExactly("productpage.default.svc.cluster.local");
    assertThat(find(doc.path("workloads"), "id", "default/mongodb-v1").path("proxy").isNull())
        .isTrue();
    assertThat(doc.path("configErrors").get(0).path("message").asText())
        .isEqualTo("VirtualService default/broken: route weights sum to 90, must be 100");
  }

  @Test
  void thePageAndItsFilesAreServedWithTheirContentTypes() throws Exception {
    for (String path : List.of("/ui", "/ui/")) {
      HttpResponse<String> page = send("GET", path);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
      assertThat(page.body()).contains("Mesh view").contains("/ui/lib/cytoscape.min.js");
    }
    HttpResponse<String> library = send("GET", "/ui/lib/cytoscape.min.js");
    assertThat(library.statusCode()).isEqualTo(200);
    assertThat(library.headers().firstValue("Content-Type"))
        .contains("text/javascript; charset=utf-8");
    assertThat(library.body()).contains("cytoscape").hasSizeGreaterThan(100_000);
    assertThat(send("GET", "/ui/mesh-view.js").headers().firstValue("Content-Type"))
        .contains("text/javascript; charset=utf-8");
    assertThat(send("GET", "/ui/mesh-view.css").headers().firstValue("Content-Type"))
        .contains("text/css; charset=utf-8");
    assertThat(send("HEAD", "/ui/mesh-view.css").statusCode()).isEqualTo(200);
  }

  @Test
  void nothingOutsideTheTableIsServedAndWritesOrLargeRequestsAreRefused() throws Exception {
    for (String path :
        List.of(
            "/ui/../metrics",
            "/ui/%2e%2e/%2e%2e/etc/passwd",
            "/ui/lib/../../ui",
            "/ui/index.html",
            "/ui/io/outrigger/controlplane/meshview/mesh-view.js",
            "/ui/META-INF/MANIFEST.MF",
            "/ui/lib/")) {
      assertThat(send("GET", path).statusCode()).as(path).isEqualTo(404);
    }
    HttpResponse<String> post = send("POST", "/api/mesh");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    assertThat(send("DELETE", "/ui").statusCode()).isEqualTo(405);
    assertThat(
            send("GET", "/api/mesh?x=" + "a".repeat(MonitoringServer.MAX_TARGET_LENGTH))
                .statusCode())
        .isEqualTo(413);
  }
}
