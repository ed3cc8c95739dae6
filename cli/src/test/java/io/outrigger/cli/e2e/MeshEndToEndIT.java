package io.outrigger.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.MeshInstallation;
import io.outrigger.testsupport.PrimaryCni;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5, end to end: the chart installed with helm, outrigger-cni chained after the node's
 * primary CNI, and {@code kubectl apply -f samples/bookinfo} (unchanged) into its namespace
 * labelled for injection. Every pod is created by a ReplicaSet, so the API server called the
 * control plane's webhook; containerd ran the CNI chain; the sidecars authenticated with their
 * projected token. Requests come from inside pods, through their sidecars and kube-proxy. One
 * install serves every test method.
 */
class MeshEndToEndIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  static final String NS = "bookinfo";
  static final String OUTSIDE = "outside";
  static final List<String> APPS =
      List.of("productpage", "details", "reviews", "ratings", "client");
  static MeshOnNode mesh;
  static MeshInstallation install;

  @BeforeAll
  static void installAndApplyTheSamples(@TempDir Path dir) {
    SingleNodeCluster cluster = kube.cluster();
    mesh = new MeshOnNode(cluster);
    long started = System.nanoTime();
    mesh.importSampleImage(dir);
    // The first release carries the CNI node agent (DaemonSet), which chains outrigger-cni on the
    // node.
    install = mesh.install("default");
    long applied = System.nanoTime();
    mesh.apply(
        "bookinfo",
        "bookinfo/istio/reviews-destinationrule.yaml",
        "bookinfo/istio/reviews-canary-90-10.yaml");
    Duration ready = mesh.awaitAvailable(NS);
    long available = System.nanoTime();
    mesh.applyYaml(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: outside}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: plain, namespace: outside}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: app, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: outside}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: app
                image: outrigger.local/busybox:1.35
                imagePullPolicy: Never
                command: [sh, -c, 'echo "{\\"service\\": \\"web\\", \\"version\\": \\"plain\\"}" > /www/index.html && exec httpd -f -p 8080 -h /www']
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: outside}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """);
    mesh.awaitAvailable(OUTSIDE);
    mesh.awaitAnswer(NS, "client", "http://productpage:9080/", "end-user:jason");
    System.out.printf(
        "tier-5 e2e: helm install to control plane Ready with CA bundles %d ms,"
            + " bookinfo meshed (7 pods) kubectl apply to all Available %d ms (%d ms after the wait began),"
            + " setup total (images included) %d ms%n",
        install.installTime().toMillis(),
        (available - applied) / 1_000_000,
        ready.toMillis(),
        (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  static void cleanUp() {
    if (mesh != null) {
      mesh.cluster().kubectl("delete", "namespace", NS, OUTSIDE, "--wait=true", "--timeout=60s");
    }
    if (install != null) {
      install.close();
      MeshInstallation.purge(kube.cluster());
    }
  }

  @Test
  void theApiServerCalledTheWebhookAndPodsHaveNativeSidecars() {
    for (String app : APPS) {
      Pod pod = mesh.pod(NS, app);
      assertThat(pod.getMetadata().getOwnerReferences())
          .as("%s made by its ReplicaSet", app)
          .anyMatch(o -> o.getKind().equals("ReplicaSet"));
      assertThat(pod.getMetadata().getAnnotations()).as(app).containsKey("outrigger.io/status");
      assertThat(pod.getMetadata().getAnnotations().get("outrigger.io/status"))
          .contains("\"revision\":\"default\"");
      Container sidecar = pod.getSpec().getInitContainers().get(0);
      assertThat(sidecar.getName()).isEqualTo("outrigger-proxy");
      assertThat(sidecar.getRestartPolicy()).as("native sidecar").isEqualTo("Always");
      assertThat(pod.getSpec().getContainers())
          .extracting(Container::getName)
          .containsExactly("app");
      // The projected token the sidecar authenticates with, for the control plane's audience.
      assertThat(pod.getSpec().getVolumes())
          .anySatisfy(
              v ->
                  assertThat(v.getProjected())
                      .isNotNull()
                      .satisfies(
                          p ->
                              assertThat(p.getSources())
                                  .anyMatch(
                                      s ->
                                          s.getServiceAccountToken() != null
                                              && "outrigger"
                                                  .equals(
                                                      s.getServiceAccountToken().getAudience()))));
      assertThat(pod.getStatus().getInitContainerStatuses().get(0).getStarted())
          .as("%s sidecar started", app)
          .isTrue();
    }
  }

  @Test
  void containerdRanTheChainWithOutriggerCniLastAndThePodsHaveItsRules() {
    List<String> chain = mesh.chainedPluginTypes();
    // Chained by the chart's CNI DaemonSet (its installer), once, last.
    assertThat(mesh.cniPod().getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    assertThat(chain).last().isEqualTo("outrigger-cni");
    assertThat(chain).containsOnlyOnce("outrigger-cni");
    // Appended to the primary CNI's own conflist, whose plugins come first.
    assertThat(chain)
        .as("the chain in %s", mesh.cluster().conflist())
        .startsWith(mesh.cluster().primaryCni() == PrimaryCni.FLANNEL ? "flannel" : "bridge");
    for (String app : APPS) {
      String rules = mesh.natRules(mesh.pod(NS, app));
      assertThat(rules)
          .as("%s's netns", app)
          .contains(":OUTRIGGER_OUTPUT", ":OUTRIGGER_INBOUND", ":OUTRIGGER_REDIRECT")
          .contains("-j REDIRECT --to-ports 15001");
    }
  }

  @Test
  void meshedPodsAreOnThePrimaryCnisNetwork() {
    SingleNodeCluster cluster = mesh.cluster();
    for (String app : APPS) {
      assertThat(
              CidrBlock.parse(SingleNodeCluster.POD_CIDR)
                  .contains(mesh.pod(NS, app).getStatus().getPodIP()))
          .as("%s's IP in the pod CIDR", app)
          .isTrue();
    }
    // Every pod's veth hangs off the primary's bridge: ortgkube0, or cni0 (Flannel's delegate).
    assertThat(
            cluster
                .inNode("ip", "-o", "link", "show", "master", cluster.bridge())
                .orThrow("ip link")
                .stdout()
                .lines()
                .count())
        .isGreaterThanOrEqualTo(APPS.size());
    if (cluster.primaryCni() == PrimaryCni.FLANNEL) {
      // kube-controller-manager gave the node its podCIDR; flanneld's kube subnet manager took it
      // and registered its backend on the Node.
      Node node = cluster.client().nodes().withName(SingleNodeCluster.NODE_NAME).get();
      assertThat(node.getSpec().getPodCIDR()).isEqualTo(SingleNodeCluster.POD_CIDR);
      assertThat(node.getMetadata().getAnnotations())
          .containsEntry("flannel.alpha.coreos.com/backend-type", "host-gw")
          .containsEntry("flannel.alpha.coreos.com/public-ip", SingleNodeCluster.NODE_LINK_IP);
    }
  }

  @Test
  void sidecarsGotTheirConfigAndCertificateWithTheirToken() {
    for (String app : APPS) {
      Pod pod = mesh.pod(NS, app);
      assertThat(mesh.envoyAdmin(pod, "/certs"))
          .as("%s's workload certificate", app)
          .contains("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-" + app);
      assertThat(mesh.envoyAdmin(pod, "/stats?filter=control_plane.connected_state"))
          .as("%s connected to the control plane", app)
          .contains("control_plane.connected_state: 1");
      assertThat(mesh.envoyAdmin(pod, "/listeners"))
          .as("%s's listeners from xDS", app)
          .contains("15001", "15006");
    }
  }

  @Test
  void mutualTlsBetweenEveryPairTheCalleeSeesItsCallersIdentity() {
    JsonNode summary = mesh.get(NS, "client", "http://productpage:9080/", 10, "end-user:jason");

    assertThat(summary.path("errors").asInt()).as("%s", summary).isZero();
    JsonNode peers = summary.path("peers");
    String sa = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-";
    assertThat(peers.path("productpage").toString()).isEqualTo("[\"" + sa + "client\"]");
    assertThat(peers.path("details").toString()).isEqualTo("[\"" + sa + "productpage\"]");
    assertThat(peers.path("reviews").toString()).isEqualTo("[\"" + sa + "productpage\"]");
    // jason is routed to reviews v3, which calls ratings.
    assertThat(peers.path("ratings").toString()).isEqualTo("[\"" + sa + "reviews\"]");
  }

  @Test
  void theNinetyTenCanaryHoldsWithinFourPointsOverAThousandRequests() {
    JsonNode summary = mesh.get(NS, "client", "http://reviews:9080/", 1000);

    assertThat(summary.path("requests").asInt()).isEqualTo(1000);
    assertThat(summary.path("errors").asInt()).as("%s", summary).isZero();
    JsonNode versions = summary.path("versions");
    assertThat(versions.path("reviews:v1").asDouble() / 10)
        .as("%% to v1: %s", versions)
        .isCloseTo(90, within(4.0));
    assertThat(versions.path("reviews:v2").asDouble() / 10)
        .as("%% to v2: %s", versions)
        .isCloseTo(10, within(4.0));
    assertThat(versions.path("reviews:v3").asInt()).isZero();
  }

  @Test
  void permissiveLetsANonMeshedPodThroughKubeProxyAndStrictRefusesItsPlaintext() {
    String details = "198.19.0.11";
    mesh.apply("bookinfo-variants/peerauthentication-permissive.yaml");
    awaitPlain(details, true);
    try {
      mesh.apply("bookinfo/istio/peerauthentication-strict.yaml");
      awaitPlain(details, false);
      // The meshed client still gets through, with mTLS.
      assertThat(mesh.get(NS, "client", "http://details:9080/", 5).path("errors").asInt()).isZero();
    } finally {
      mesh.apply("bookinfo-variants/peerauthentication-permissive.yaml");
    }
  }

  @Test
  void aMeshedPodReachesANonMeshedService() {
    JsonNode summary = mesh.get(NS, "client", "http://web." + OUTSIDE + "/", 5);

    assertThat(summary.path("errors").asInt()).as("%s", summary).isZero();
    assertThat(summary.path("versions").path("web:plain").asInt()).isEqualTo(5);
  }

  @Test
  void aJobWithANativeSidecarCompletes() throws Exception {
    mesh.applyYaml(
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: once, namespace: bookinfo}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              serviceAccountName: bookinfo-client
              containers:
              - name: app
                image: python:3-slim
                command: [python3, -c, "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://details:9080/', timeout=5).status == 200 else 1)"]
        """);
    // The pod as injected, caught while it exists (a finished pod may be gone by the time the Job
    // reports).
    Pod pod =
        kube.cluster()
            .client()
            .pods()
            .inNamespace(NS)
            .withLabel("job-name", "once")
            .informOnCondition(pods -> !pods.isEmpty())
            .get(60, TimeUnit.SECONDS)
            .get(0);
    Job job =
        kube.cluster()
            .client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .withName("once")
            .waitUntilCondition(
                j ->
                    j != null
                        && j.getStatus() != null
                        && (count(j.getStatus().getSucceeded()) + count(j.getStatus().getFailed()))
                            > 0,
                90,
                TimeUnit.SECONDS);

    assertThat(pod.getSpec().getInitContainers().get(0).getName()).isEqualTo("outrigger-proxy");
    assertThat(pod.getSpec().getInitContainers().get(0).getRestartPolicy()).isEqualTo("Always");
    // The Job counts a pod as succeeded only once its phase is Succeeded: the sidecar did not keep
    // it running.
    String name = pod.getMetadata().getName();
    assertThat(job.getStatus().getSucceeded())
        .as(
            "job status %s; pod events %s; app log %s; CNI agent on it %s",
            job.getStatus(),
            kube.cluster()
                .kubectl(
                    "get", "events", "-n", NS, "--field-selector", "involvedObject.name=" + name)
                .stdout(),
            kube.cluster().kubectl("logs", "-n", NS, name, "-c", "app").stdout(),
            kube.cluster()
                .kubectl("logs", "-n", MeshOnNode.NAMESPACE, "daemonset/outrigger-cni")
                .stdout()
                .lines()
                .filter(l -> l.contains(name))
                .toList())
        .isEqualTo(1);
  }

  @Test
  void aPodThatOptsOutGetsNoSidecarAndNoRules() {
    mesh.applyYaml(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: opted-out
          namespace: bookinfo
          annotations: {sidecar.istio.io/inject: "false"}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: app, image: outrigger.local/busybox:1.35, imagePullPolicy: Never, command: [sleep, "3600"]}]
        """);
    Pod pod =
        kube.cluster()
            .client()
            .pods()
            .inNamespace(NS)
            .withName("opted-out")
            .waitUntilCondition(
                p -> p != null && "Running".equals(p.getStatus().getPhase()), 60, TimeUnit.SECONDS);

    assertThat(pod.getSpec().getInitContainers()).isEmpty();
    assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("app");
    assertThat(pod.getMetadata().getAnnotations()).doesNotContainKey("outrigger.io/status");
    assertThat(mesh.natRules(pod)).doesNotContain("OUTRIGGER");
  }

  @Test
  void appProbesAreAnsweredThroughTheSidecarAndThePodGoesReady() {
    for (String app : List.of("productpage", "details", "reviews", "ratings")) {
      Pod pod = mesh.pod(NS, app);
      Container container = pod.getSpec().getContainers().get(0);
      assertThat(container.getReadinessProbe().getHttpGet().getPort().getIntVal())
          .as(app)
          .isEqualTo(15020);
      assertThat(container.getReadinessProbe().getHttpGet().getPath())
          .isEqualTo("/app-health/app/readyz");
      assertThat(pod.getMetadata().getAnnotations().get("outrigger.io/app-probes"))
          .contains("/app-health/app/readyz");
      assertThat(pod.getStatus().getConditions())
          .as(app)
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }
  }

  /**
   * Polls (bounded, 30 s) until the non-meshed pod's plaintext request to ip:9080 is answered or
   * refused.
   */
  private static void awaitPlain(String ip, boolean answered) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      ExecResult nc =
          kube.cluster()
              .kubectl(
                  "exec",
                  "-n",
                  OUTSIDE,
                  "plain",
                  "--",
                  "sh",
                  "-c",
                  "(printf 'GET / HTTP/1.1\\r\\nHost: details\\r\\nConnection: close\\r\\n\\r\\n'; sleep 1) | nc -w 3 "
                      + ip
                      + " 9080");
      last = nc.stdout() + nc.stderr();
      boolean ok = last.contains("HTTP/1.1 200") && last.contains("\"service\": \"details\"");
      // A refusal counts only when nc really ran in the pod (not when kubectl exec itself failed).
      boolean ran = !last.contains("Error from server") && !last.contains("error: ");
      if (ok == answered && ran) {
        return;
      }
      MeshOnNode.sleep(Duration.ofMillis(500));
    }
    throw new AssertionError(
        "plaintext to "
            + ip
            + ":9080 from a non-meshed pod: expected "
            + (answered ? "an answer" : "a refusal")
            + " within 30 s, last got: "
            + last);
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
