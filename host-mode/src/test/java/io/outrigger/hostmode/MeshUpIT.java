package io.outrigger.hostmode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostmode.cli.PodExec;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's acceptance for host mode, with real everything (root, netns, the CNI chain with
 * outrigger-cni, the injector, Envoy, the control plane): {@code mesh up -f samples/bookinfo}, then
 * traffic from the client pod with {@code mesh exec}. One mesh for the class; the methods run in
 * order because apply and scale change it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshUpIT {
  private static final String CLIENT = "bookinfo/client-0";
  private static final String TRUST = "spiffe://cluster.local/ns/bookinfo/sa/";
  private static final MeshCli mesh = new MeshCli("it" + ProcessHandle.current().pid());
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void up() {
    Prerequisites.requireRoot();
    Prerequisites.requireEnvoy();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Prerequisites.requireOutriggerCni();
    Prerequisites.requireCommand("python3");
    MeshCli.Run up = mesh.run("up", "-f", MeshCli.samples("bookinfo").toString());
    assertThat(up.code()).as("mesh up: %s%s", up.out(), up.err()).isZero();
    assertThat(up.out()).contains("reviews-v2-0").contains("is up: 7 pods");
  }

  @AfterAll
  static void down() {
    if (!Files.exists(mesh.paths().meshJson())) {
      return;
    }
    JsonNode before = mesh.meshJson();
    MeshCli.Run down = mesh.run("down");
    assertThat(down.code()).as(down.err()).isZero();
    assertNothingLeft(before);
  }

  @Test
  @Order(1)
  void everyPodIsInjectedReadyInSyncAndNamedAfterItsDeployment() {
    // A push may be in flight (an endpoint turned Ready): sync is a state the mesh settles in.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              for (JsonNode pod : mesh.status().path("pods")) {
                if (!pod.path("synced").asBoolean()) {
                  return false;
                }
              }
              return true;
            });
    JsonNode status = mesh.status();
    List<String> names = new ArrayList<>();
    for (JsonNode pod : status.path("pods")) {
      names.add(pod.path("name").asText());
      assertThat(pod.path("sidecar").asBoolean()).as("%s has a sidecar", pod).isTrue();
      assertThat(pod.path("ready").asBoolean()).isTrue();
      assertThat(pod.path("synced").asBoolean()).isTrue();
      assertThat(pod.path("ip").asText()).startsWith("198.18.");
      assertThat(pod.path("uid").asInt()).isEqualTo(1000);
      assertThat(pod.path("nodeId").asText())
          .isEqualTo(
              "sidecar~"
                  + pod.path("ip").asText()
                  + "~"
                  + pod.path("name").asText()
                  + ".bookinfo~bookinfo.svc.cluster.local");
    }
    assertThat(names)
        .containsExactly(
            "client-0",
            "details-v1-0",
            "productpage-v1-0",
            "ratings-v1-0",
            "reviews-v1-0",
            "reviews-v2-0",
            "reviews-v3-0");
    assertThat(status.path("controlPlane").path("monitoring").asText())
        .startsWith("http://127.0.0.1:");
  }

  @Test
  @Order(2)
  void everyCalleeSeesItsCallersSpiffeIdOverMutualTls() {
    JsonNode plain = mesh.get(CLIENT, "http://productpage:9080/", 30);
    JsonNode jason =
        mesh.get(
            CLIENT, "http://productpage.bookinfo.svc.cluster.local:9080/", 5, "end-user:jason");
    assertThat(plain.path("errors").asInt()).isZero();
    assertThat(jason.path("versions").path("reviews:v3").asInt()).isEqualTo(5);
    for (JsonNode summary : List.of(plain, jason)) {
      assertThat(summary.path("peers").path("productpage").toString())
          .isEqualTo("[\"" + TRUST + "bookinfo-client\"]");
      assertThat(summary.path("peers").path("details").toString())
          .isEqualTo("[\"" + TRUST + "bookinfo-productpage\"]");
      assertThat(summary.path("peers").path("reviews").toString())
          .isEqualTo("[\"" + TRUST + "bookinfo-productpage\"]");
    }
    assertThat(jason.path("peers").path("ratings").toString())
        .isEqualTo("[\"" + TRUST + "bookinfo-reviews\"]");
  }

  @Test
  @Order(3)
  void reviewsSplitsNinetyTenOverAThousandRequestsAndJasonGetsV3() {
    JsonNode split = mesh.get(CLIENT, "http://reviews:9080/", 1000);
    assertThat(split.path("errors").asInt()).isZero();
    int v1 = split.path("versions").path("reviews:v1").asInt();
    int v2 = split.path("versions").path("reviews:v2").asInt();
    assertThat(v1 + v2).isEqualTo(1000);
    assertThat(v2 / 10.0).as("v2 share in percent").isBetween(6.0, 14.0);
    JsonNode jason = mesh.get(CLIENT, "http://reviews.bookinfo:9080/", 50, "end-user:jason");
    assertThat(jason.path("versions").path("reviews:v3").asInt()).isEqualTo(50);
  }

  @Test
  @Order(4)
  void appliedFiftyFiftyCanaryIsSeenInTrafficWithinTwoSeconds() throws Exception {
    // A client sends requests back to back across the change, logging when each was answered and by
    // which version.
    Process trace =
        PodExec.run(
            mesh.meshJson(),
            CLIENT,
            List.of(
                "python3", "/app/bookinfo.py", "trace", "http://reviews:9080/", "--seconds", "10"),
            false);
    Thread.sleep(2500);
    double applied = System.currentTimeMillis() / 1000.0;
    MeshCli.Run apply =
        mesh.run(
            "apply",
            "-f",
            MeshCli.samples("bookinfo-variants/reviews-canary-50-50.yaml").toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("VirtualService bookinfo/reviews configured");
    String lines = new String(trace.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(trace.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<double[]> after = new ArrayList<>();
    for (String line : lines.strip().split("\n")) {
      JsonNode r = JSON.readTree(line);
      assertThat(r.path("code").asInt()).as(line).isEqualTo(200);
      if (r.path("t").asDouble() >= applied) {
        after.add(
            new double[] {
              r.path("t").asDouble(), r.path("version").asText().equals("reviews:v2") ? 1 : 0
            });
      }
    }
    // The change is in effect from the first window of 30 answers with 9 or more from v2 (under
    // 90/10: p < 0.001).
    int window = 30;
    Double seen = null;
    for (int i = 0; i + window <= after.size() && seen == null; i++) {
      int v2 = 0;
      for (int k = i; k < i + window; k++) {
        v2 += (int) after.get(k)[1];
      }
      if (v2 >= 9) {
        seen = after.get(i)[0] - applied;
      }
    }
    assertThat(seen)
        .as(
            "seconds from 'mesh apply' to the 50/50 split in traffic (%d answers after it)",
            after.size())
        .isNotNull()
        .isLessThanOrEqualTo(2.0);
    JsonNode split = mesh.get(CLIENT, "http://reviews:9080/", 400);
    assertThat(split.path("versions").path("reviews:v2").asInt() / 4.0).isBetween(40.0, 60.0);
  }

  @Test
  @Order(5)
  void scalingReviewsV2ToThreeAddsTwoEndpointsThatReceiveTraffic() {
    MeshCli.Run apply =
        mesh.run(
            "apply",
            "-f",
            MeshCli.samples("bookinfo-variants/reviews-v2-3-replicas.yaml").toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    assertThat(apply.out())
        .contains("pod bookinfo/reviews-v2-1 created", "pod bookinfo/reviews-v2-2 created");
    JsonNode traffic = mesh.get(CLIENT, "http://reviews:9080/", 300);
    assertThat(traffic.path("errors").asInt()).isZero();
    for (String pod : List.of("reviews-v2-0", "reviews-v2-1", "reviews-v2-2")) {
      assertThat(traffic.path("pods").path(pod).asInt())
          .as("requests served by %s: %s", pod, traffic)
          .isPositive();
    }
  }

  @Test
  @Order(6)
  void invalidApplyNamesEveryBadObjectAndChangesNothing(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("bad.yaml"),
        """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  hosts: [reviews.bookinfo.svc.cluster.local]
                  http:
                    - route:
                        - destination: {host: reviews.bookinfo.svc.cluster.local, subset: v1}
                          weight: 70
                        - destination: {host: reviews.bookinfo.svc.cluster.local, subset: v2}
                          weight: 20
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: reviews-v2, namespace: bookinfo}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: reviews, version: v2}}
                  template:
                    metadata: {labels: {app: reviews, version: v2}}
                    spec:
                      containers: [{name: app, image: reviews:v2}]
                """);
    JsonNode before = mesh.status().path("pods");
    MeshCli.Run apply = mesh.run("apply", "-f", dir.toString());
    assertThat(apply.code()).isEqualTo(1);
    assertThat(apply.errorLines()).hasSize(3);
    assertThat(apply.errorLines().get(0))
        .startsWith(
            "error: Deployment bookinfo/reviews-v2 (pod template) container"
                + " app: has no command");
    assertThat(apply.errorLines().get(1))
        .startsWith("error: VirtualService bookinfo/reviews:")
        .contains("100");
    assertThat(apply.errorLines().get(2)).isEqualTo("error: nothing was changed");
    assertThat(mesh.status().path("pods").size()).isEqualTo(before.size());
    JsonNode split = mesh.get(CLIENT, "http://reviews:9080/", 200);
    assertThat(split.path("versions").path("reviews:v2").asInt() / 2.0)
        .as("50/50 still in force")
        .isBetween(35.0, 65.0);
  }

  @Test
  @Order(7)
  void scalingBackDownRemovesThePodsAndTrafficKeepsFlowing() {
    MeshCli.Run apply =
        mesh.run("apply", "-f", MeshCli.samples("bookinfo/deployments.yaml").toString());
    assertThat(apply.code()).as(apply.err()).isZero();
    assertThat(apply.out())
        .contains("pod bookinfo/reviews-v2-1 removed", "pod bookinfo/reviews-v2-2 removed")
        .doesNotContain("reviews-v2-0");
    JsonNode traffic = mesh.get(CLIENT, "http://reviews:9080/", 200);
    assertThat(traffic.path("errors").asInt()).isZero();
    assertThat(traffic.path("pods").has("reviews-v2-1")).isFalse();
    assertThat(traffic.path("pods").path("reviews-v2-0").asInt()).isPositive();
  }

  @Test
  @Order(8)
  void deleteStopsThePodsOfTheDeletedObjects() {
    String loadgen = MeshCli.samples("demo/loadgen.yaml").toString();
    MeshCli.Run apply = mesh.run("apply", "-f", loadgen);
    assertThat(apply.code()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("pod bookinfo/loadgen created (with sidecar)");
    String netns = null;
    for (JsonNode pod : mesh.meshJson().path("pods")) {
      if (pod.path("name").asText().equals("loadgen")) {
        netns = pod.path("netns").asText();
      }
    }
    MeshCli.Run delete = mesh.run("delete", "-f", loadgen);
    assertThat(delete.code()).as(delete.err()).isZero();
    assertThat(delete.out()).contains("pod bookinfo/loadgen removed");
    assertThat(mesh.status().path("pods").findValuesAsText("name")).doesNotContain("loadgen");
    assertThat(Commands.run(List.of("ip", "netns", "list")).stdout()).doesNotContain(netns + " ");
    MeshCli.Run again = mesh.run("delete", "-f", loadgen);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.errorLines())
        .containsExactly(
            "error: Pod bookinfo/loadgen: not found in the mesh (" + loadgen + " document 1)",
            "error: nothing was changed");
  }

  @Test
  @Order(9)
  void aKilledSidecarIsRestartedItsPodsTrafficResumesAndNoOtherPodNotices() throws Exception {
    JsonNode ratings = pod("ratings-v1-0");
    long killed = sidecarPid(ratings.path("netns").asText());
    // Two clients in client-0 for the whole fault: one to the pod whose sidecar dies, one to
    // another pod.
    CompletableFuture<List<JsonNode>> toKilled = trace("http://ratings:9080/", 25);
    CompletableFuture<List<JsonNode>> toOther = trace("http://details:9080/", 25);
    Thread.sleep(3000);
    double killedAt = System.currentTimeMillis() / 1000.0;
    assertThat(Commands.run(List.of("kill", "-KILL", Long.toString(killed))).succeeded()).isTrue();
    await()
        .atMost(Duration.ofSeconds(20))
        .alias("the supervisor starts ratings' sidecar again")
        .until(
            () -> pod("ratings-v1-0").path("restarts").asInt() > ratings.path("restarts").asInt());
    List<JsonNode> killedPath = toKilled.get(60, TimeUnit.SECONDS);
    List<JsonNode> otherPath = toOther.get(60, TimeUnit.SECONDS);

    List<JsonNode> failed = killedPath.stream().filter(r -> r.path("code").asInt() != 200).toList();
    double lastFailure =
        failed.stream().mapToDouble(r -> r.path("t").asDouble()).max().orElse(killedAt);
    long otherFailed = otherPath.stream().filter(r -> r.path("code").asInt() != 200).count();
    System.out.printf(
        "FAULT sidecar-sigkill: to the killed pod %d sent, %d failed (all within %.1f s of the"
            + " kill); to another pod %d sent, %d failed%n",
        killedPath.size(), failed.size(), lastFailure - killedAt, otherPath.size(), otherFailed);
    assertThat(otherFailed)
        .as("failed requests between pods whose sidecars were not killed")
        .isZero();
    assertThat(otherPath.size()).as("requests to details during the fault").isGreaterThan(100);
    assertThat(failed)
        .as("requests to ratings that failed before the kill")
        .allSatisfy(r -> assertThat(r.path("t").asDouble()).isGreaterThanOrEqualTo(killedAt));
    assertThat(lastFailure - killedAt)
        .as("seconds from the kill to the last failed request to ratings")
        .isLessThan(15);
    assertThat(killedPath.stream().filter(r -> r.path("t").asDouble() > lastFailure).count())
        .as("requests to ratings answered after its sidecar came back")
        .isGreaterThan(50);
    assertThat(sidecarPid(ratings.path("netns").asText())).as("a new Envoy").isNotEqualTo(killed);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pod("ratings-v1-0").path("synced").asBoolean());
  }

  private static JsonNode pod(String name) {
    for (JsonNode pod : mesh.status().path("pods")) {
      if (pod.path("name").asText().equals(name)) {
        return pod;
      }
    }
    throw new AssertionError("no pod " + name + " in the mesh status");
  }

  /** The Envoy process in a pod's network namespace. */
  private static long sidecarPid(String netns) throws IOException {
    for (String pid : Commands.run(List.of("ip", "netns", "pids", netns)).stdout().split("\\s+")) {
      Path comm = Path.of("/proc", pid.strip(), "comm");
      if (!pid.isBlank() && Files.exists(comm) && Files.readString(comm).strip().equals("envoy")) {
        return Long.parseLong(pid.strip());
      }
    }
    throw new AssertionError("no envoy process in network namespace " + netns);
  }

  /**
   * {@code bookinfo.py trace URL} from the client pod for a while: one JSON line per request, read
   * as it comes on a thread of its own (the common pool, one thread on two cores, also reads every
   * {@code Commands} output).
   */
  private static CompletableFuture<List<JsonNode>> trace(String url, int seconds)
      throws IOException {
    Process p =
        PodExec.run(
            mesh.meshJson(),
            CLIENT,
            List.of(
                "python3",
                "/app/bookinfo.py",
                "trace",
                url,
                "--seconds",
                Integer.toString(seconds)),
            false);
    CompletableFuture<List<JsonNode>> lines = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("trace-" + url)
        .start(
            () -> {
              try {
                CompletableFuture<byte[]> err = new CompletableFuture<>();
                Thread.ofPlatform()
                    .daemon()
                    .start(
                        () -> {
                          try {
                            err.complete(p.getErrorStream().readAllBytes());
                          } catch (IOException e) {
                            err.completeExceptionally(e);
                          }
                        });
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue())
                    .as("trace %s: %s", url, new String(err.get(), StandardCharsets.UTF_8))
                    .isZero();
                List<JsonNode> parsed = new ArrayList<>();
                for (String line : out.strip().split("\n")) {
                  parsed.add(JSON.readTree(line));
                }
                lines.complete(parsed);
              } catch (IOException
                  | InterruptedException
                  | java.util.concurrent.ExecutionException
                  | RuntimeException
                  | Error e) {
                lines.completeExceptionally(e);
              }
            });
    return lines;
  }

  /**
   * What {@code mesh down} must remove: namespaces, hosts files, processes, the bridge, the lease,
   * the state.
   */
  static void assertNothingLeft(JsonNode before) {
    String netnsList = Commands.run(List.of("ip", "netns", "list")).stdout();
    for (JsonNode pod : before.path("pods")) {
      String netns = pod.path("netns").asText();
      assertThat(netnsList).doesNotContain(netns + " ").doesNotContain(netns + "\n");
      assertThat(Path.of("/etc/netns", netns)).doesNotExist();
    }
    String stateDir = before.path("stateDir").asText();
    assertThat(Path.of(stateDir)).doesNotExist();
    assertThat(
            ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(stateDir)))
        .isEmpty();
    int lease = before.path("network").path("lease").asInt();
    if (SubnetLeases.owner(lease).isEmpty()) {
      assertThat(
              Commands.run(
                      List.of("ip", "link", "show", before.path("network").path("bridge").asText()))
                  .succeeded())
          .as("bridge removed")
          .isFalse();
      assertThat(SubnetLeases.dataDir(lease)).doesNotExist();
    }
    assertThat(Commands.run(List.of("iptables-save")).stdout())
        .doesNotContain(before.path("network").path("subnet").asText());
    long supervisor = before.path("supervisor").path("pid").asLong();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.of(supervisor).map(p -> !p.isAlive()).orElse(true));
  }
}
