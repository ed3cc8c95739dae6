package io.outrigger.cli.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.Helm;
import io.outrigger.testsupport.ImageArchive;
import io.outrigger.testsupport.MeshImages;
import io.outrigger.testsupport.NodeImages;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5: the chart's CNI DaemonSet (templates/cni.yaml, rendered by helm) on a real kubelet
 * and containerd. In order: install (Ready means chained), a CNI upgrade that touches no pod (no
 * restart, 0 failed requests through a captured pod, exactly one entry of ours in the conflist
 * throughout, new pods set up by the new plugin), "CNI not ready" (a meshed pod set up while our
 * entry was missing is repaired; the primary CNI writing its conflist after the installer started),
 * and uninstall (everything of ours leaves the node).
 *
 * <p>The meshed pods here have no Envoy: a busybox httpd listens on 15006, the inbound capture
 * port, and nothing listens on the port the client dials (8080), so an answer proves the plugin's
 * REDIRECT rules carry the traffic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CniDaemonSetIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE_NS = "outrigger-cni-it";
  private static final String APPS_NS = "cni-it-apps";
  private static final String V1 = "outrigger.local/outrigger:cni-it-1";
  private static final String V2 = "outrigger.local/outrigger:cni-it-2";
  private static final String VERSION_1 = "0.1.0-cni-it.1";
  private static final String VERSION_2 = "0.1.0-cni-it.2";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @TempDir static Path work;
  private static Helm helm;
  private static SingleNodeCluster cluster;
  private static Path records;
  private static Path log;
  private static String installed;

  @BeforeAll
  static void buildImages() throws IOException {
    helm = Helm.require();
    cluster = kube.cluster();
    records = cluster.cniBinDir().resolveSibling("outrigger-cni-pods");
    log = cluster.cniBinDir().resolveSibling("outrigger-cni.log");
    Path runtime =
        NodeImages.jlink(
            Path.of(System.getProperty("java.home")),
            NodeImages.CONTROL_PLANE_MODULES,
            work.resolve("runtime"));
    for (String[] image : List.of(new String[] {V1, VERSION_1}, new String[] {V2, VERSION_2})) {
      ImageArchive archive =
          NodeImages.controlPlane(
              image[0],
              runtime,
              MeshImages.jar(),
              MeshImages.pluginImage(),
              image[1],
              work.resolve("jni"));
      cluster.importImage(archive.writeTo(work.resolve(image[1] + ".tar")));
    }
    cluster.kubectl("create", "namespace", RELEASE_NS).orThrow("create namespace");
    cluster.kubectl("create", "namespace", APPS_NS).orThrow("create namespace");
  }

  @AfterAll
  static void removeEverything() {
    if (cluster == null) {
      return;
    }
    if (installed != null) {
      cluster.kubectlWithInput(
          installed, "delete", "--ignore-not-found", "--wait=true", "--timeout=60s", "-f", "-");
    }
    cluster.kubectl("delete", "namespace", APPS_NS, RELEASE_NS, "--wait=true", "--timeout=90s");
    cluster.setChainedPlugins(List.of());
    for (Path p :
        List.of(
            cluster.cniBinDir().resolve("outrigger-cni"),
            cluster.cniConfDir().resolve("outrigger-cni.kubeconfig"))) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // the teardown of the cluster's state dir removes it
      }
    }
  }

  @Test
  @Order(1)
  void theDaemonSetGoesReadyOnceItsEntryEndsTheConflistAndThePluginIsInPlace() throws IOException {
    apply(V1);

    awaitDaemonSetOn(V1);
    assertThat(ourEntries()).as("entries of ours in %s", conflist()).isEqualTo(1);
    JsonNode entry = lastPlugin();
    assertThat(entry.path("type").asText()).isEqualTo("outrigger-cni");
    assertThat(entry.path("pod_records").asText()).isEqualTo(records.toString());
    assertThat(entry.path("kubeconfig").asText())
        .isEqualTo(cluster.cniConfDir().resolve("outrigger-cni.kubeconfig").toString());
    JsonNode kubeconfig =
        JSON.readTree(Files.readString(cluster.cniConfDir().resolve("outrigger-cni.kubeconfig")));
    assertThat(kubeconfig.at("/clusters/0/cluster/server").asText())
        .isEqualTo("https://" + SingleNodeCluster.KUBERNETES_SERVICE_IP + ":443");
    assertThat(kubeconfig.at("/users/0/user/token").asText())
        .as("the DaemonSet's projected token")
        .startsWith("ey");
    assertThat(Files.readString(cluster.cniBinDir().resolve("outrigger-cni.d/VERSION")).strip())
        .isEqualTo(VERSION_1);
  }

  @Test
  @Order(2)
  void rollingTheDaemonSetToANewImageTouchesNoPodAndKeepsExactlyOneEntry() throws Exception {
    createMeshedDeployment("web");
    Pod web = runningPod("web");
    String ip = web.getStatus().getPodIP();
    assertThat(get(ip)).as("through the REDIRECT to 15006").contains("200 OK").contains("captured");
    assertThat(record(web)).contains("version=" + VERSION_1);
    int restarts = restarts(web);

    AtomicBoolean rolling = new AtomicBoolean(true);
    List<Integer> entryCounts = new CopyOnWriteArrayList<>();
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Thread conflistPoll =
        Thread.ofPlatform()
            .name("conflist-poll")
            .start(
                () -> {
                  Instant end = Instant.now().plus(TIMEOUT);
                  while (rolling.get() && Instant.now().isBefore(end)) {
                    try {
                      entryCounts.add(ourEntries());
                    } catch (IOException e) {
                      entryCounts.add(-1);
                    }
                    sleep(50);
                  }
                });
    Thread client =
        Thread.ofPlatform()
            .name("client-loop")
            .start(
                () -> {
                  Instant end = Instant.now().plus(TIMEOUT);
                  for (int i = 0; i < 5000 && rolling.get() && Instant.now().isBefore(end); i++) {
                    try {
                      String answer = get(ip);
                      if (answer.contains("200 OK") && answer.contains("captured")) {
                        ok.incrementAndGet();
                      } else {
                        failures.add("answer: " + answer.lines().findFirst().orElse(""));
                      }
                    } catch (IOException e) {
                      failures.add(e.toString());
                    }
                    sleep(20);
                  }
                });
    String oldPod = installerPod().getMetadata().getUid();
    long rollStart = System.nanoTime();

    apply(V2);
    awaitDaemonSetOn(V2);
    long rollMillis = (System.nanoTime() - rollStart) / 1_000_000;
    assertThat(installerPod().getMetadata().getUid())
        .as("the installer pod was replaced")
        .isNotEqualTo(oldPod);
    sleep(2000);
    rolling.set(false);
    conflistPoll.join();
    client.join();

    System.out.printf(
        "cni-upgrade: roll to the new image took %d ms; %d requests answered, %d failed; %d conflist samples,"
            + " entries of ours per sample %s%n",
        rollMillis,
        ok.get(),
        failures.size(),
        entryCounts.size(),
        new java.util.TreeSet<>(entryCounts));
    assertThat(failures).as("failed requests through the captured pod during the roll").isEmpty();
    assertThat(ok.get()).as("requests answered").isGreaterThan(20);
    assertThat(entryCounts)
        .as("conflist samples during the roll")
        .hasSizeGreaterThan(20)
        .containsOnly(1);
    Pod after = runningPod("web");
    assertThat(after.getMetadata().getUid()).isEqualTo(web.getMetadata().getUid());
    assertThat(restarts(after)).as("restartCount").isEqualTo(restarts);
    assertThat(natRules(after)).contains(":OUTRIGGER_INBOUND");

    createMeshedDeployment("web-2");
    Pod web2 = runningPod("web-2");
    assertThat(record(web2)).as("set up by the new plugin").contains("version=" + VERSION_2);
    assertThat(Files.readString(log))
        .containsPattern(
            "command=ADD container=\\S+ pod="
                + APPS_NS
                + "/web-2-\\S+ "
                + "decision=capture .*result=ok version="
                + VERSION_2);
    assertThat(natRules(web2)).contains(":OUTRIGGER_INBOUND");
    assertThat(get(web2.getStatus().getPodIP())).contains("200 OK");
  }

  @Test
  @Order(3)
  void aMeshedPodSetUpWhileOurEntryWasMissingIsRepairedAndAPrimaryWritingAfterUsIsChained()
      throws Exception {
    String web = runningPod("web").getMetadata().getUid();
    // The installer leaves the node (a nodeSelector nothing matches): a restart, not a removal, so
    // the entry stays.
    cluster
        .kubectl(
            "patch",
            "daemonset",
            "-n",
            RELEASE_NS,
            "outrigger-cni",
            "--type=merge",
            "-p",
            "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"outrigger.io/no-such-node\":\"x\"}}}}}")
        .orThrow("patch");
    Awaitility.await().atMost(TIMEOUT).until(() -> installerPodsIncludingTerminating().isEmpty());
    assertThat(ourEntries())
        .as("the installer stopped without its DaemonSet being deleted")
        .isEqualTo(1);

    // The primary CNI writes its conflist again (e.g. its agent restarted) while no installer runs.
    cluster.setChainedPlugins(List.of());
    createMeshedDeployment("late");
    Pod unmeshed = runningPod("late");
    assertThat(natRules(unmeshed)).as("set up without outrigger-cni").doesNotContain("OUTRIGGER");

    // The primary CNI's file is gone for a moment (a node that is still starting) when the
    // installer comes back.
    Path conflist = conflist();
    Path aside = work.resolve("conflist-aside");
    Files.move(conflist, aside);
    try {
      cluster
          .kubectl(
              "patch",
              "daemonset",
              "-n",
              RELEASE_NS,
              "outrigger-cni",
              "--type=json",
              "-p",
              "[{\"op\":\"remove\",\"path\":\"/spec/template/spec/nodeSelector\"}]")
          .orThrow("patch");
      Awaitility.await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  installerPods().stream()
                      .anyMatch(p -> "Running".equals(p.getStatus().getPhase())));
      // Running is not started: on a loaded machine the installer's JVM took more than the 3 s
      // below to log its first line, the conflist was back by then and it never had to wait.
      Awaitility.await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  cluster
                      .kubectl("logs", "-n", RELEASE_NS, installerPod().getMetadata().getName())
                      .stdout()
                      .contains("event=cni-waiting-for-primary"));
      sleep(3000);
      assertThat(readyCount()).as("no primary network yet: not ready").isZero();
    } finally {
      Files.move(aside, work.resolve("conflist-moved-back"));
      cluster.setChainedPlugins(List.of());
    }
    awaitDaemonSetOn(V2);
    assertThat(ourEntries()).isEqualTo(1);

    Awaitility.await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        cluster
                            .client()
                            .pods()
                            .inNamespace(APPS_NS)
                            .withName(unmeshed.getMetadata().getName())
                            .get())
                    .as("the unmeshed pod was deleted by the repair controller")
                    .isNull());
    Pod repaired = runningPod("late");
    assertThat(repaired.getMetadata().getUid()).isNotEqualTo(unmeshed.getMetadata().getUid());
    assertThat(natRules(repaired)).contains(":OUTRIGGER_INBOUND");
    assertThat(get(repaired.getStatus().getPodIP())).contains("200 OK");
    String installerLog =
        cluster.kubectl("logs", "-n", RELEASE_NS, installerPod().getMetadata().getName()).stdout();
    assertThat(installerLog)
        .containsSubsequence(
            "event=cni-waiting-for-primary",
            "event=cni-chained",
            "event=cni-repair pod="
                + APPS_NS
                + "/"
                + unmeshed.getMetadata().getName()
                + " action=delete");
    assertThat(runningPod("web").getMetadata().getUid())
        .as("a pod set up by the plugin is left alone")
        .isEqualTo(web);
  }

  @Test
  @Order(4)
  void deletingTheReleaseTakesEverythingOfOursOffTheNode() throws IOException {
    cluster
        .kubectlWithInput(installed, "delete", "--wait=true", "--timeout=60s", "-f", "-")
        .orThrow("kubectl delete");
    Awaitility.await().atMost(TIMEOUT).until(() -> installerPodsIncludingTerminating().isEmpty());

    // The pod is gone once its SIGTERM hook (the uninstall) has finished; allow for the API's view
    // lagging behind.
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(ourEntries()).isZero();
              assertThat(cluster.cniBinDir().resolve("outrigger-cni")).doesNotExist();
              assertThat(cluster.cniBinDir().resolve("outrigger-cni.d")).doesNotExist();
              assertThat(cluster.cniConfDir().resolve("outrigger-cni.kubeconfig")).doesNotExist();
              try (Stream<Path> left =
                  Files.exists(records) ? Files.list(records) : Stream.empty()) {
                assertThat(left).as("pod records").isEmpty();
              }
            });
    assertThat(lastPluginType()).isEqualTo("portmap");
    installed = null;
  }

  // --- helpers ---

  /**
   * The chart's templates/cni.yaml alone (helm template --show-only), with the node's paths,
   * applied with kubectl.
   */
  private static void apply(String image) {
    ExecResult rendered =
        helm.run(
            Duration.ofSeconds(60),
            List.of(
                "template",
                "outrigger",
                Helm.chart().toString(),
                "--namespace",
                RELEASE_NS,
                "--show-only",
                "templates/cni.yaml",
                "--set",
                "cni.image=" + image,
                "--set",
                "cni.binDir=" + cluster.cniBinDir(),
                "--set",
                "cni.confDir=" + cluster.cniConfDir(),
                "--set",
                "cni.logFile=" + log,
                "--set",
                "cni.podRecordsDir=" + records,
                "--set",
                "cni.resync=PT1S",
                "--set",
                "cni.terminationGracePeriodSeconds=20"));
    installed = rendered.orThrow("helm template").stdout();
    cluster.kubectlWithInput(installed, "apply", "-f", "-").orThrow("kubectl apply");
  }

  private static void awaitDaemonSetOn(String image) {
    Awaitility.await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              DaemonSet ds =
                  cluster
                      .client()
                      .apps()
                      .daemonSets()
                      .inNamespace(RELEASE_NS)
                      .withName("outrigger-cni")
                      .get();
              assertThat(ds.getStatus().getUpdatedNumberScheduled()).isEqualTo(1);
              assertThat(ds.getStatus().getNumberReady()).isEqualTo(1);
              List<Pod> pods = installerPods();
              assertThat(pods).hasSize(1);
              assertThat(pods.get(0).getSpec().getContainers().get(0).getImage()).isEqualTo(image);
              assertThat(pods.get(0).getStatus().getConditions())
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            });
  }

  private static int readyCount() {
    DaemonSet ds =
        cluster
            .client()
            .apps()
            .daemonSets()
            .inNamespace(RELEASE_NS)
            .withName("outrigger-cni")
            .get();
    return ds.getStatus().getNumberReady() == null ? 0 : ds.getStatus().getNumberReady();
  }

  private static List<Pod> installerPods() {
    return installerPodsIncludingTerminating().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /**
   * Gone from here only once kubelet has seen the container exit: its SIGTERM hook has finished.
   */
  private static List<Pod> installerPodsIncludingTerminating() {
    return cluster
        .client()
        .pods()
        .inNamespace(RELEASE_NS)
        .withLabel("app", "outrigger-cni")
        .list()
        .getItems();
  }

  private static Pod installerPod() {
    return installerPods().get(0);
  }

  private static void createMeshedDeployment(String name) {
    cluster
        .kubectlWithInput(
            """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %1$s, namespace: %2$s}
        spec:
          replicas: 1
          selector: {matchLabels: {app: %1$s}}
          template:
            metadata:
              labels: {app: %1$s}
              annotations:
                outrigger.io/status: '{"version":"cni-it"}'
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: httpd
                image: outrigger.local/busybox:1.35
                imagePullPolicy: Never
                command: [sh, -c, 'echo captured > /www/index.html && exec httpd -f -p 15006 -h /www']
        """
                .formatted(name, APPS_NS),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply " + name);
  }

  private static Pod runningPod(String app) {
    Map<String, Pod> found = new ConcurrentHashMap<>();
    Awaitility.await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              List<Pod> pods =
                  cluster
                      .client()
                      .pods()
                      .inNamespace(APPS_NS)
                      .withLabel("app", app)
                      .list()
                      .getItems()
                      .stream()
                      .filter(
                          p ->
                              p.getMetadata().getDeletionTimestamp() == null
                                  && "Running".equals(p.getStatus().getPhase())
                                  && p.getStatus().getPodIP() != null)
                      .toList();
              if (pods.size() == 1) {
                found.put(app, pods.get(0));
                return true;
              }
              return false;
            });
    return found.get(app);
  }

  private static int restarts(Pod pod) {
    return pod.getStatus().getContainerStatuses().stream().mapToInt(s -> s.getRestartCount()).sum();
  }

  private static String record(Pod pod) throws IOException {
    return Files.readString(records.resolve(pod.getMetadata().getUid()));
  }

  private static String natRules(Pod pod) {
    return cluster
        .inNode("nsenter", "--net=" + cluster.podNetns(pod), "iptables-save", "-t", "nat")
        .orThrow("iptables-save in " + pod.getMetadata().getName())
        .stdout();
  }

  /** One HTTP/1.0 GET of port 8080, where nothing listens: only the REDIRECT to 15006 answers. */
  private static String get(String ip) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ip, 8080), 2000);
      socket.setSoTimeout(3000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.0\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }
  }

  private static Path conflist() {
    return cluster.conflist();
  }

  private static int ourEntries() throws IOException {
    int n = 0;
    for (JsonNode plugin : JSON.readTree(Files.readString(conflist())).path("plugins")) {
      if ("outrigger-cni".equals(plugin.path("type").asText())) {
        n++;
      }
    }
    return n;
  }

  private static String lastPluginType() throws IOException {
    return lastPlugin().path("type").asText();
  }

  private static JsonNode lastPlugin() throws IOException {
    JsonNode plugins = JSON.readTree(Files.readString(conflist())).path("plugins");
    return plugins.get(plugins.size() - 1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
