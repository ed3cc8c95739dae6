package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.RepoRoot;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5: {@code kubectl apply -f samples/bookinfo}, unchanged, runs on the node without the
 * mesh: the {@code python:3-slim} the samples name is {@link NodeImages#python()} (nothing pulled),
 * their fixed {@code clusterIP}s are inside the Service CIDR, and the apps find each other by
 * Service name through the cluster DNS ({@link ClusterDns}). The baseline the meshed end-to-end
 * tests compare against.
 */
class BookinfoOnNodeTest {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  static final ObjectMapper JSON = new ObjectMapper();
  static Duration applyToReady;

  @BeforeAll
  static void bookinfo(@TempDir Path dir) {
    SingleNodeCluster cluster = kube.cluster();
    long imageStarted = System.nanoTime();
    cluster.importImage(NodeImages.python().writeTo(dir.resolve("python.tar")));
    System.out.println(
        "tier-5 python image built and imported: "
            + (System.nanoTime() - imageStarted) / 1_000_000
            + " ms");
    Path samples = RepoRoot.find().orElseThrow().resolve("samples/bookinfo");
    long started = System.nanoTime();
    cluster.kubectl("apply", "-f", samples.toString()).orThrow("kubectl apply -f samples/bookinfo");
    cluster
        .kubectl(
            "wait",
            "-n",
            "bookinfo",
            "--for=condition=Available",
            "deployment",
            "--all",
            "--timeout=50s")
        .orThrow("bookinfo deployments Available");
    applyToReady = Duration.ofNanos(System.nanoTime() - started);
    System.out.println(
        "tier-5 bookinfo without the mesh (7 pods), kubectl apply to all Available: "
            + applyToReady.toMillis()
            + " ms");
  }

  @AfterAll
  static void cleanUp() {
    kube.cluster().kubectl("delete", "namespace", "bookinfo", "--wait=false");
  }

  @Test
  void theSamplesAnswerThroughServiceNamesAndClusterIps() throws Exception {
    awaitFirstAnswer(kube.cluster(), "bookinfo", "http://productpage:9080/");
    ExecResult get =
        kube.cluster()
            .kubectl(
                "exec",
                "-n",
                "bookinfo",
                "deploy/client",
                "--",
                "python3",
                "/app/bookinfo.py",
                "get",
                "http://productpage:9080/",
                "--count",
                "20",
                "--max-seconds",
                "30");
    JsonNode summary = JSON.readTree(get.orThrow("bookinfo.py get").stdout().strip());

    assertThat(summary.path("requests").asInt()).isEqualTo(20);
    assertThat(summary.path("errors").asInt()).as("%s", summary).isZero();
    // productpage called details and reviews by name; reviews v2 and v3 called ratings.
    assertThat(summary.path("versions").path("productpage:v1").asInt()).isEqualTo(20);
    assertThat(summary.path("versions").path("details:v1").asInt()).isEqualTo(20);
    int reviews =
        summary.path("versions").path("reviews:v1").asInt()
            + summary.path("versions").path("reviews:v2").asInt()
            + summary.path("versions").path("reviews:v3").asInt();
    assertThat(reviews).isEqualTo(20);
    assertThat(summary.path("versions").path("ratings:v1").asInt())
        .isEqualTo(reviews - summary.path("versions").path("reviews:v1").asInt());
    // No sidecar: nobody saw a client certificate.
    assertThat(summary.path("peers").path("details")).isEmpty();
  }

  /**
   * Waits (bounded, 30 s) until {@code url} answers 200 ten times in a row from the namespace's
   * client pod: a Deployment is Available before kube-proxy has synced the last endpoints into its
   * rules (the first requests got 502), and one answer is not enough: at load 25 a first 200 was
   * followed by 2 errors in 20 while the last reviews endpoint was still being programmed.
   */
  static void awaitFirstAnswer(SingleNodeCluster cluster, String namespace, String url)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last =
          JSON.readTree(
              cluster
                  .kubectl(
                      "exec",
                      "-n",
                      namespace,
                      "deploy/client",
                      "--",
                      "python3",
                      "/app/bookinfo.py",
                      "get",
                      url,
                      "--count",
                      "10",
                      "--max-seconds",
                      "5")
                  .orThrow("bookinfo.py get")
                  .stdout()
                  .strip());
      if (last.path("errors").asInt() == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " never answered 200 ten times in a row within 30 s: " + last);
  }

  @Test
  void theClusterDnsAnswersServicesAndNothingElse() {
    String resolve =
        "import socket, sys\nfor n in sys.argv[1:]:\n    try:\n        print(n, socket.gethostbyname(n))\n"
            + "    except OSError as e:\n        print(n, 'unresolved')\n";
    String out =
        kube.cluster()
            .kubectl(
                "exec",
                "-n",
                "bookinfo",
                "deploy/client",
                "--",
                "python3",
                "-c",
                resolve,
                "details",
                "ratings.bookinfo",
                "reviews.bookinfo.svc.cluster.local",
                "kubernetes.default",
                "nosuch.bookinfo.svc.cluster.local",
                "example.com")
            .orThrow("resolve")
            .stdout();

    assertThat(out)
        .contains(
            "details 198.19.0.11",
            "ratings.bookinfo 198.19.0.12",
            "reviews.bookinfo.svc.cluster.local 198.19.0.13",
            "kubernetes.default " + SingleNodeCluster.KUBERNETES_SERVICE_IP,
            "nosuch.bookinfo.svc.cluster.local unresolved",
            "example.com unresolved");
  }
}
