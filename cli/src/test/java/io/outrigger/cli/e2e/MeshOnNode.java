package io.outrigger.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.RepoRoot;
import io.outrigger.testsupport.Helm;
import io.outrigger.testsupport.MeshImages;
import io.outrigger.testsupport.MeshInstallation;
import io.outrigger.testsupport.NodeImages;
import io.outrigger.testsupport.SingleNodeCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The mesh on the tier-5 node, as a user installs it: the images (control plane from the shaded jar
 * on a jlink'd runtime, Envoy, and the samples' python:3-slim), the chart installed with helm once
 * per revision, and the samples applied with kubectl. Requests leave pods ({@code kubectl exec ...
 * python3 /app/bookinfo.py get}), so they go through the pods' sidecars and kube-proxy exactly as
 * an app's do.
 */
final class MeshOnNode {

  static final String NAMESPACE = MeshInstallation.NAMESPACE;
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path SAMPLES = RepoRoot.find().orElseThrow().resolve("samples");

  private static SingleNodeCluster pythonImportedInto;
  private final SingleNodeCluster cluster;

  MeshOnNode(SingleNodeCluster cluster) {
    this.cluster = cluster;
  }

  SingleNodeCluster cluster() {
    return cluster;
  }

  /**
   * Imports the samples' python:3-slim (once per cluster; the chart's images come with {@link
   * #install}, also once per cluster).
   */
  void importSampleImage(Path dir) {
    synchronized (MeshOnNode.class) {
      if (pythonImportedInto != cluster) {
        cluster.importImage(NodeImages.python().writeTo(dir.resolve("python.tar")));
        pythonImportedInto = cluster;
      }
    }
  }

  /**
   * The CNI node agent on its own, outside every revision's release: the chart's templates/cni.yaml
   * rendered ({@code helm template --show-only}) and applied, as an operator who upgrades the mesh
   * without touching the CNI keeps it. Returns the applied YAML (for {@link #removeCni}) once the
   * DaemonSet is Ready (our entry chained). Revisions installed afterwards leave it alone ({@link
   * MeshInstallation} sees it and sets cni.enabled=false).
   */
  String installCniAlone() {
    MeshImages.importInto(cluster);
    List<String> args =
        new ArrayList<>(
            List.of(
                "template",
                "outrigger",
                Helm.chart().toString(),
                "--namespace",
                NAMESPACE,
                "--show-only",
                "templates/cni.yaml"));
    MeshInstallation.cniValues(cluster).forEach(set -> args.addAll(List.of("--set", set)));
    String rendered =
        Helm.require().run(Duration.ofSeconds(60), args).orThrow("helm " + args).stdout();
    cluster
        .kubectlWithInput(
            "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \""
                + NAMESPACE
                + "\"}}",
            "apply",
            "-f",
            "-")
        .orThrow("namespace " + NAMESPACE);
    applyYaml(rendered);
    cluster
        .kubectl(
            "rollout",
            "status",
            "-n",
            NAMESPACE,
            "daemonset/" + MeshInstallation.CNI_DAEMONSET,
            "--timeout=55s")
        .orThrow("CNI DaemonSet Ready");
    return rendered;
  }

  void removeCni(String rendered) {
    cluster.kubectlWithInput(
        rendered, "delete", "--ignore-not-found", "--wait=true", "--timeout=50s", "-f", "-");
  }

  /** The plugin types of the node's conflist, in chain order. */
  List<String> chainedPluginTypes() {
    try {
      return JSON.readTree(cluster.conflist().toFile()).path("plugins").findValuesAsText("type");
    } catch (IOException e) {
      throw new UncheckedIOException("reading the node's conflist", e);
    }
  }

  /** The node's CNI agent pod (one node: one pod). */
  Pod cniPod() {
    List<Pod> pods = pods(NAMESPACE, "app", MeshInstallation.CNI_DAEMONSET);
    assertThat(pods).as("CNI agent pods").hasSize(1);
    return pods.get(0);
  }

  /**
   * {@code helm install} of revision {@code revision} (test-support's fixture); returns once it is
   * Ready.
   */
  MeshInstallation install(String revision) {
    return MeshInstallation.install(cluster, revision);
  }

  /** {@code kubectl apply -f PATH...} (files or directories under samples/). */
  void apply(String... samples) {
    List<String> args = new ArrayList<>(List.of("apply"));
    for (String sample : samples) {
      args.addAll(List.of("-f", SAMPLES.resolve(sample).toString()));
    }
    cluster.kubectl(args.toArray(String[]::new)).orThrow("kubectl " + args);
  }

  void applyYaml(String yaml) {
    cluster.kubectlWithInput(yaml, "apply", "-f", "-").orThrow("kubectl apply\n" + yaml);
  }

  /** Waits until every Deployment of {@code namespace} is Available; returns how long that took. */
  Duration awaitAvailable(String namespace) {
    long started = System.nanoTime();
    cluster
        .kubectl(
            "wait",
            "-n",
            namespace,
            "--for=condition=Available",
            "deployment",
            "--all",
            "--timeout=55s")
        .orThrow(
            "deployments of "
                + namespace
                + " Available; pods:\n"
                + cluster.kubectl("get", "pods", "-n", namespace, "-o", "wide").stdout());
    return Duration.ofNanos(System.nanoTime() - started);
  }

  /**
   * {@code bookinfo.py get URL --count N} from the first pod of Deployment {@code from}: its JSON
   * summary.
   */
  JsonNode get(String namespace, String from, String url, int count, String... headers) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "exec",
                "-n",
                namespace,
                "deploy/" + from,
                "-c",
                "app",
                "--",
                "python3",
                "/app/bookinfo.py",
                "get",
                url,
                "--count",
                String.valueOf(count),
                "--max-seconds",
                "100"));
    for (String header : headers) {
      args.addAll(List.of("--header", header));
    }
    // Longer than kubectl()'s 60 s: 1,000 requests take ~45 s at load 15.
    ExecResult result =
        Commands.run(
            cluster.kubectlCommand(args.toArray(String[]::new)),
            Map.of(),
            null,
            Duration.ofSeconds(120));
    try {
      return JSON.readTree(
          result
              .orThrow("bookinfo.py get " + url + " from " + namespace + "/" + from)
              .stdout()
              .strip());
    } catch (IOException e) {
      throw new UncheckedIOException("bookinfo.py get: not JSON: " + result.stdout(), e);
    }
  }

  /**
   * Waits (bounded, 60 s) until one request to {@code url} from {@code from} is answered 200:
   * Deployments are Available before kube-proxy and every sidecar have the last endpoints.
   */
  JsonNode awaitAnswer(String namespace, String from, String url, String... headers) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = get(namespace, from, url, 1, headers);
      if (last.path("errors").asInt() == 0) {
        return last;
      }
      sleep(Duration.ofMillis(500));
    }
    throw new AssertionError(
        url + " from " + namespace + "/" + from + " never answered 200 within 60 s: " + last);
  }

  /** A GET of Envoy's admin API (127.0.0.1:15000, inside the pod) from the pod's app container. */
  String envoyAdmin(Pod pod, String path) {
    String script =
        "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:15000"
            + path
            + "', timeout=5).read().decode())";
    return cluster
        .kubectl(
            "exec",
            "-n",
            pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(),
            "-c",
            "app",
            "--",
            "python3",
            "-c",
            script)
        .orThrow("envoy admin " + path + " in " + pod.getMetadata().getName())
        .stdout();
  }

  /** The nat table of the pod's network namespace (what a chained CNI plugin wrote there). */
  String natRules(Pod pod) {
    return cluster
        .inNode("nsenter", "--net=" + cluster.podNetns(pod), "iptables-save", "-t", "nat")
        .orThrow("iptables-save in pod " + pod.getMetadata().getName())
        .stdout();
  }

  List<Pod> pods(String namespace, String labelKey, String labelValue) {
    return cluster
        .client()
        .pods()
        .inNamespace(namespace)
        .withLabel(labelKey, labelValue)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  Pod pod(String namespace, String app) {
    List<Pod> pods = pods(namespace, "app", app);
    assertThat(pods).as("pods app=%s in %s", app, namespace).isNotEmpty();
    return pods.get(0);
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
