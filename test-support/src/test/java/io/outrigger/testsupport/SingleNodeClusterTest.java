package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.hostnet.CidrBlock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5 itself: the node registers and goes Ready with the kubelet and containerd we built
 * and installed, pods get addresses from the bridge chain and talk to each other, and a ClusterIP
 * Service works through kube-proxy's rules in the node's namespace.
 */
class SingleNodeClusterTest {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  static final String NAMESPACE = "tier5-basics";
  static final String MANIFESTS =
      """
            apiVersion: v1
            kind: Namespace
            metadata: {name: tier5-basics}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: tier5-basics, labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: httpd
                image: outrigger.local/busybox:1.35
                imagePullPolicy: Never
                command: [sh, -c, 'echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www']
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: client, namespace: tier5-basics}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: sleep
                image: outrigger.local/busybox:1.35
                imagePullPolicy: Never
                command: [sleep, "3600"]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: tier5-basics}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """;

  static Duration createToRunning;

  @BeforeAll
  static void pods() {
    long started = System.nanoTime();
    kube.cluster().kubectlWithInput(MANIFESTS, "apply", "-f", "-").orThrow("kubectl apply");
    awaitRunning("web");
    awaitRunning("client");
    createToRunning = Duration.ofNanos(System.nanoTime() - started);
    System.out.println(
        "tier-5 two pods, kubectl apply to both Running: " + createToRunning.toMillis() + " ms");
  }

  @Test
  void nodeIsReadyWithTheBuiltKubeletAndContainerd() {
    SingleNodeCluster cluster = kube.cluster();
    Node node = cluster.client().nodes().withName(SingleNodeCluster.NODE_NAME).get();

    assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.31.14");
    assertThat(node.getStatus().getNodeInfo().getKubeProxyVersion()).isNotNull();
    assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion())
        .startsWith("containerd://1.6");
    assertThat(node.getStatus().getAddresses())
        .anyMatch(
            a ->
                a.getType().equals("InternalIP")
                    && a.getAddress().equals(SingleNodeCluster.NODE_IP));
    assertThat(node.getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    assertThat(cluster.kubectl("version", "-o", "json").orThrow("kubectl version").stdout())
        .contains("\"gitVersion\": \"v1.31.14\"");
    System.out.println(
        "tier-5 cluster start: "
            + cluster.startup().toMillis()
            + " ms, RSS MiB: "
            + cluster.rssMiB());
  }

  @Test
  void podsGetBridgeAddressesAndTalkToEachOther() {
    Pod web = pod("web");
    Pod client = pod("client");

    assertThat(List.of(web.getStatus().getPodIP(), client.getStatus().getPodIP()))
        .allMatch(ip -> CidrBlock.parse(SingleNodeCluster.POD_CIDR).contains(ip))
        .doesNotHaveDuplicates();
    assertThat(httpGet("client", web.getStatus().getPodIP(), 8080))
        .contains("200 OK")
        .contains("hello from web");
    // The pods hang off the node's bridge, in the node's namespace, not the machine's.
    assertThat(
            kube.cluster()
                .inNode("ip", "-o", "link", "show", "master", kube.cluster().bridge())
                .orThrow("ip link")
                .stdout()
                .lines()
                .count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void clusterIpServiceWorksThroughKubeProxy() {
    String clusterIp =
        kube.cluster()
            .client()
            .services()
            .inNamespace(NAMESPACE)
            .withName("web")
            .get()
            .getSpec()
            .getClusterIP();

    assertThat(CidrBlock.parse(SingleNodeCluster.SERVICE_CIDR).contains(clusterIp)).isTrue();
    // kube-proxy programs its rules asynchronously after the Service and its endpoints appear.
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () ->
                assertThat(
                        kube.cluster()
                            .inNode("iptables-save", "-t", "nat")
                            .orThrow("iptables-save")
                            .stdout())
                    .contains("-d " + clusterIp + "/32"));
    assertThat(httpGet("client", clusterIp, 80)).contains("200 OK").contains("hello from web");
    // Hairpin: the Service's only endpoint calling itself through the Service.
    assertThat(httpGet("web", clusterIp, 80)).contains("hello from web");
    // The API server's own Service from a pod: its TLS port answers a plaintext request with this.
    assertThat(httpGet("client", SingleNodeCluster.KUBERNETES_SERVICE_IP, 443))
        .contains("Client sent an HTTP request to an HTTPS server");
  }

  @Test
  void envoySidecarImageServesAsTheProxyUser(@TempDir Path dir) {
    SingleNodeCluster cluster = kube.cluster();
    cluster.importImage(
        NodeImages.envoy(Prerequisites.requireEnvoy()).writeTo(dir.resolve("envoy.tar")));
    String bootstrap =
        """
                {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15000}}},
                 "static_resources": {"listeners": [{"name": "direct",
                   "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15021}},
                   "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                     "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                       "stat_prefix": "direct",
                       "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
                       "route_config": {"virtual_hosts": [{"name": "all", "domains": ["*"],
                         "routes": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"inline_string": "envoy in a pod"}}}]}]}}}]}]}]}}
                """
            .replace("\n", " ");
    cluster
        .kubectlWithInput(
            """
                apiVersion: v1
                kind: Pod
                metadata: {name: envoy, namespace: %s}
                spec:
                  terminationGracePeriodSeconds: 0
                  securityContext: {runAsUser: 1337, runAsGroup: 1337}
                  containers:
                  - name: envoy
                    image: %s
                    imagePullPolicy: Never
                    args: [--concurrency, "1", --disable-hot-restart, --config-yaml, '%s']
                """
                .formatted(NAMESPACE, NodeImages.ENVOY, bootstrap),
            "apply",
            "-f",
            "-")
        .orThrow("kubectl apply envoy");
    awaitRunning("envoy");
    String ip = pod("envoy").getStatus().getPodIP();

    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(cluster.kubectl("logs", "-n", NAMESPACE, "envoy").stdout())
                    .contains("starting main dispatch loop"));
    assertThat(httpGet("client", ip, 15021)).contains("200 OK").contains("envoy in a pod");
  }

  /**
   * busybox's wget crashes (exit 139): HTTP by hand through nc, which stops reading once its input
   * ends, so the input stays open for a second (Envoy answers after nc would have quit; it also
   * refuses HTTP/1.0).
   */
  static String httpGet(String fromPod, String ip, int port) {
    return exec(
        fromPod,
        "sh",
        "-c",
        "(printf 'GET / HTTP/1.1\\r\\nHost: test\\r\\nConnection: close\\r\\n\\r\\n';"
            + " sleep 1) | nc -w 3 "
            + ip
            + " "
            + port);
  }

  static String exec(String pod, String... command) {
    List<String> args = new java.util.ArrayList<>(List.of("exec", "-n", NAMESPACE, pod, "--"));
    args.addAll(List.of(command));
    return kube.cluster()
        .kubectl(args.toArray(String[]::new))
        .orThrow("kubectl exec " + pod)
        .stdout();
  }

  static Pod pod(String name) {
    return kube.cluster().client().pods().inNamespace(NAMESPACE).withName(name).get();
  }

  static void awaitRunning(String name) {
    kube.cluster()
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withName(name)
        .waitUntilCondition(
            p -> p != null && "Running".equals(p.getStatus().getPhase()),
            60,
            java.util.concurrent.TimeUnit.SECONDS);
  }
}
