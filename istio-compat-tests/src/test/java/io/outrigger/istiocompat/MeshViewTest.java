package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.testsupport.EnvoyExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The mesh view with real sidecars: their own stats stream to the control plane, which reports the
 * reviews canary's observed split next to the configured 90/10, marks the mTLS edges and shows a
 * proxy that NACKed a config, both in /api/mesh and in the page /ui as headless chromium renders
 * it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshViewTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload DETAILS = MeshWorkload.bookinfo("details", "v1");
  private static final MeshWorkload RATINGS = MeshWorkload.bookinfo("ratings", "v1");
  private static final ServiceAddress DETAILS_VIP =
      new ServiceAddress("details.bookinfo.svc.cluster.local", "198.19.0.11", 9080);
  private static final ServiceAddress RATINGS_VIP =
      new ServiceAddress("ratings.bookinfo.svc.cluster.local", "198.19.0.12", 9080);
  private static final String REVIEWS = ServiceAddress.REVIEWS.host();
  private static final Duration REPORTED = Duration.ofSeconds(20);

  /**
   * Where the page's screenshot goes; -Dmeshview.screenshot=../docs/mesh-view.png refreshes the
   * docs' one.
   */
  private static final Path SCREENSHOT =
      Path.of(System.getProperty("meshview.screenshot", "target/mesh-view.png"));

  private static final ObjectMapper JSON = new ObjectMapper();

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh =
        HostModeMesh.start(
            ENVOYS,
            List.of("istio/reviews-destinationrule.yaml"),
            List.of(
                PRODUCTPAGE,
                DETAILS,
                RATINGS,
                Bookinfo.REVIEWS_V1,
                Bookinfo.REVIEWS_V2,
                Bookinfo.REVIEWS_V3),
            List.of());
    mesh.registry()
        .write(
            Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
            RegistryDirectory.sample("istio/reviews-canary-90-10.yaml"));
    RouteWeights.awaitSplit(mesh.pod(PRODUCTPAGE.name()), REVIEWS, List.of(90, 10), REPORTED);
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  @Order(1)
  void apiReportsTheObservedSplitWithinFivePointsAndMtlsEdges() {
    // The view counts a sidecar's traffic from its first stats flush on (that flush is the
    // baseline, as after
    // a control-plane restart the counters are not zero): send the requests once every sidecar
    // reports.
    await()
        .atMost(REPORTED)
        .pollInterval(Duration.ofMillis(500))
        .alias("every sidecar reports its stats")
        .until(
            () -> {
              JsonNode workloads = api().path("workloads");
              return workloads.size() == 6
                  && java.util.stream.StreamSupport.stream(workloads.spliterator(), false)
                      .allMatch(w -> w.path("reporting").asBoolean());
            });
    PodHttp.echoMany(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, Map.of(), 1000);

    AtomicReference<JsonNode> split = new AtomicReference<>();
    try {
      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(500))
          .alias("1000 reviews requests reported")
          .until(
              () -> {
                split.set(service(api(), REVIEWS).path("split"));
                return split.get().path("requests").asLong() >= 1000;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "reviews split as last reported: " + split.get() + "\nmesh: " + api(), e);
    }

    assertThat(split.get().path("virtualService").asText()).isEqualTo("bookinfo/reviews");
    assertThat(subset(split.get(), "v1").path("configuredPercent").asInt()).isEqualTo(90);
    assertThat(subset(split.get(), "v2").path("configuredPercent").asInt()).isEqualTo(10);
    assertThat(subset(split.get(), "v1").path("observedPercent").asDouble())
        .as("v1 in %s", split)
        .isBetween(85.0, 95.0);
    assertThat(subset(split.get(), "v2").path("observedPercent").asDouble())
        .as("v2 in %s", split)
        .isBetween(5.0, 15.0);
    assertThat(subset(split.get(), "v3").path("requests").asLong()).isZero();
    JsonNode doc = api();
    for (String subset : List.of("v1", "v2")) {
      JsonNode edge = edge(doc, PRODUCTPAGE, REVIEWS, subset);
      assertThat(edge.path("mtls").asBoolean())
          .as("productpage → reviews %s is mTLS: %s", subset, edge)
          .isTrue();
      assertThat(edge.path("successRate").asDouble()).as("%s", edge).isEqualTo(1.0);
      assertThat(edge.path("p50Ms").isNumber()).as("p50 of %s", edge).isTrue();
      assertThat(edge.path("p99Ms").asDouble())
          .as("%s", edge)
          .isGreaterThanOrEqualTo(edge.path("p50Ms").asDouble());
    }
    for (JsonNode proxy : doc.path("proxies")) {
      assertThat(proxy.path("state").asText()).as("%s", proxy).isEqualTo("SYNCED");
      assertThat(proxy.path("reportingMetrics").asBoolean()).as("%s", proxy).isTrue();
    }
    assertThat(doc.path("proxies")).hasSize(6);
  }

  @Test
  @Order(2)
  void pageShowsTheSplitAndMarksMtlsEdgesWhileTrafficFlows() {
    try (Traffic traffic = Traffic.start();
        MeshViewBrowser browser = MeshViewBrowser.start()) {
      WebDriver page = browser.driver();
      page.get(url("/ui"));

      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .alias("the page shows reviews' split within 5 points of 90/10")
          .untilAsserted(
              () -> {
                assertThat(observed(page, "v1")).isBetween(85.0, 95.0);
                assertThat(observed(page, "v2")).isBetween(5.0, 15.0);
                assertThat(splitRow(page, "v1").getText()).contains("90% cfg");
                assertThat(splitRow(page, "v2").getText()).contains("10% cfg");
              });
      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .alias("the page marks the edges to reviews, details and ratings as mTLS")
          .untilAsserted(
              () -> {
                for (String host : List.of(REVIEWS, DETAILS_VIP.host(), RATINGS_VIP.host())) {
                  List<WebElement> rows =
                      page.findElements(
                          By.cssSelector("#edges tr[data-destination='" + host + "']"));
                  assertThat(rows)
                      .as("edge rows to %s", host)
                      .isNotEmpty()
                      .allSatisfy(r -> assertThat(r.getAttribute("data-mtls")).isEqualTo("true"))
                      .allSatisfy(r -> assertThat(r.getText()).contains("mTLS"));
                }
              });
      traffic.assertNoFailure();
      // A few more polls with traffic so the graph's rates are live in the picture.
      sleep(Duration.ofSeconds(4));
      browser.screenshot(SCREENSHOT);
    }
  }

  @Test
  @Order(3)
  void pageShowsAProxyThatNackedABadConfigAndTheConfigErrors() {
    try (MeshViewBrowser browser = MeshViewBrowser.start()) {
      WebDriver page = browser.driver();
      page.get(url("/ui"));
      await()
          .atMost(REPORTED)
          .ignoreExceptions()
          .until(
              () ->
                  !page.findElements(By.cssSelector("#proxies tr[data-state='SYNCED']")).isEmpty());

      // Valid Istio, and a valid Java regex; Envoy's RE2 refuses it as too large, so every sidecar
      // NACKs the route.
      mesh.registry()
          .write(
              Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
              """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata:
            name: reviews
            namespace: bookinfo
          spec:
            hosts: [reviews.bookinfo.svc.cluster.local]
            http:
              - match:
                  - headers:
                      end-user:
                        regex: "[a-z]{2000}"
                route:
                  - destination: {host: reviews.bookinfo.svc.cluster.local, subset: v3}
              - route:
                  - destination: {host: reviews.bookinfo.svc.cluster.local, subset: v1}
          """);

      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .alias("productpage's proxy shown as NACKED with Envoy's reason")
          .untilAsserted(
              () -> {
                WebElement row =
                    page.findElement(
                        By.cssSelector(
                            "#proxies tr[data-state='NACKED'][data-proxy*='"
                                + PRODUCTPAGE.name()
                                + "']"));
                // Envoy's own words for the regex it refused.
                assertThat(row.getText())
                    .contains("NACKED")
                    .contains("RouteConfiguration")
                    .contains("{2000}");
              });

      // Config the registry itself rejects shows by object and reason; the NACKed version stays in
      // force.
      mesh.registry()
          .write(
              Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
              BadConfigTest.resource("bad-config/weights-sum-90.yaml"));
      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .alias("the page lists the rejected VirtualService bookinfo/reviews")
          .untilAsserted(
              () ->
                  assertThat(page.findElement(By.id("errors")).getText())
                      .contains("VirtualService bookinfo/reviews")
                      .contains("90"));
      assertThat(page.findElements(By.cssSelector("#proxies tr[data-state='NACKED']")))
          .isNotEmpty();
    }
  }

  private static double observed(WebDriver page, String subset) {
    return Double.parseDouble(
        splitRow(page, subset)
            .findElement(By.cssSelector(".split-nums .observed"))
            .getText()
            .replace("%", ""));
  }

  private static WebElement splitRow(WebDriver page, String subset) {
    return page.findElement(
        By.cssSelector("[data-split='" + REVIEWS + "'] [data-subset='" + subset + "']"));
  }

  private static String url(String path) {
    return mesh.controlPlane().monitoringUrl(path);
  }

  private static JsonNode api() {
    try {
      return JSON.readTree(mesh.controlPlane().monitoring("/api/mesh"));
    } catch (IOException e) {
      throw new UncheckedIOException("/api/mesh is not JSON", e);
    }
  }

  private static JsonNode service(JsonNode doc, String host) {
    for (JsonNode s : doc.path("services")) {
      if (s.path("host").asText().equals(host)) {
        return s;
      }
    }
    throw new AssertionError("/api/mesh has no service " + host + ": " + doc.path("services"));
  }

  private static JsonNode subset(JsonNode split, String name) {
    for (JsonNode s : split.path("subsets")) {
      if (s.path("subset").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("split has no subset " + name + ": " + split);
  }

  private static JsonNode edge(JsonNode doc, MeshWorkload source, String host, String subset) {
    for (JsonNode e : doc.path("edges")) {
      if (e.path("source").asText().equals(source.namespace() + "/" + source.name())
          && e.path("destination").asText().equals(host)
          && e.path("subset").asText().equals(subset)) {
        return e;
      }
    }
    throw new AssertionError(
        "/api/mesh has no edge "
            + source.name()
            + " → "
            + host
            + " "
            + subset
            + ": "
            + doc.path("edges"));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Requests in the background, as an app would send them: productpage to reviews and details,
   * reviews v2 to ratings. Bounded: it stops on close or after two minutes, whichever comes first.
   */
  private static final class Traffic implements AutoCloseable {
    private static final Duration LIMIT = Duration.ofMinutes(2);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;

    private Traffic() {
      thread = Thread.ofPlatform().daemon().name("mesh-view-traffic").unstarted(this::run);
    }

    static Traffic start() {
      Traffic t = new Traffic();
      t.thread.start();
      return t;
    }

    private void run() {
      long end = System.nanoTime() + LIMIT.toNanos();
      try {
        while (!stop.get() && System.nanoTime() < end) {
          PodHttp.echoMany(
              mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, Map.of(), 50);
          PodHttp.echoMany(mesh.pod(PRODUCTPAGE.name()).pod(), DETAILS_VIP, Map.of(), 10);
          PodHttp.echoMany(mesh.pod(Bookinfo.REVIEWS_V2.name()).pod(), RATINGS_VIP, Map.of(), 5);
          Thread.sleep(200);
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }

    void assertNoFailure() {
      assertThat(failure.get()).as("background traffic").isNull();
    }

    @Override
    public void close() {
      stop.set(true);
      try {
        thread.join(Duration.ofSeconds(40));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
