package io.outrigger.testsupport;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command lines of the tier-5 control plane and kubelet (the flags the facts note measured),
 * and its logs.
 */
final class SingleNodeClusterCommands {

  private static final Logger LOG = LoggerFactory.getLogger(SingleNodeClusterCommands.class);
  private static final long POD_DELETION_TIMEOUT_NANOS = 30_000_000_000L;

  private SingleNodeClusterCommands() {}

  static List<String> apiServer(KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    return List.of(
        binaries.apiServer().apiServer().toString(),
        "--etcd-servers=http://127.0.0.1:2379",
        "--bind-address=0.0.0.0",
        "--secure-port=6443",
        "--advertise-address=" + SingleNodeCluster.NODE_IP,
        "--cert-dir=" + files.dir().resolve("run/apiserver-certs"),
        "--tls-cert-file=" + files.pki("apiserver.crt"),
        "--tls-private-key-file=" + files.pki("apiserver.key"),
        "--client-ca-file=" + files.pki("ca.crt"),
        "--token-auth-file=" + files.pki("tokens.csv"),
        "--authorization-mode=Node,RBAC",
        "--service-account-issuer=" + KubeApiServer.ISSUER,
        "--service-account-key-file=" + files.pki("sa.pub"),
        "--service-account-signing-key-file=" + files.pki("sa.key"),
        "--service-cluster-ip-range=" + SingleNodeCluster.SERVICE_CIDR,
        "--kubelet-client-certificate=" + files.pki("apiserver-kubelet-client.crt"),
        "--kubelet-client-key=" + files.pki("apiserver-kubelet-client.key"),
        "--kubelet-preferred-address-types=InternalIP",
        "--allow-privileged=true",
        "--profiling=false");
  }

  static List<String> controllerManager(KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    String kubeconfig = files.kubeconfig("kube-controller-manager").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                binaries.controllerManager().toString(),
                "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--bind-address=127.0.0.1",
                "--leader-elect=false",
                "--service-account-private-key-file=" + files.pki("sa.key"),
                "--root-ca-file=" + files.pki("ca.crt"),
                "--use-service-account-credentials=true",
                "--service-cluster-ip-range=" + SingleNodeCluster.SERVICE_CIDR,
                "--profiling=false"));
    if (files.primary() == PrimaryCni.FLANNEL) {
      command.addAll(SingleNodeClusterFlannel.controllerManagerFlags());
    }
    return command;
  }

  static List<String> scheduler(KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    String kubeconfig = files.kubeconfig("kube-scheduler").toString();
    return List.of(
        binaries.scheduler().toString(),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
        "--profiling=false");
  }

  static List<String> kubelet(KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    return List.of(
        binaries.kubelet().toString(),
        "--config=" + files.conf("kubelet.yaml"),
        "--kubeconfig=" + files.kubeconfig("kubelet"),
        "--root-dir=" + files.dir().resolve("run/kubelet"),
        "--cert-dir=" + files.dir().resolve("run/kubelet/pki"),
        "--hostname-override=" + SingleNodeCluster.NODE_NAME,
        "--node-ip=" + SingleNodeCluster.NODE_IP);
  }

  /**
   * Deletes every pod and waits (bounded) until kubelet has stopped them: their CNI DEL then runs,
   * as on a real node, before the teardown kills what is left.
   */
  static void deletePods(KubernetesClient client) {
    long started = System.nanoTime();
    try {
      // Not grace 0: that removes the objects at once (a forced deletion), before kubelet has
      // stopped anything.
      client.pods().inAnyNamespace().delete();
      while (System.nanoTime() - started < POD_DELETION_TIMEOUT_NANOS) {
        List<Pod> left = client.pods().inAnyNamespace().list().getItems();
        if (left.isEmpty()) {
          break;
        }
        Thread.sleep(200);
      }
    } catch (KubernetesClientException e) {
      LOG.warn("event=kube_pod_deletion_failed reason={}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("event=kube_pods_deleted duration_ms={}", (System.nanoTime() - started) / 1_000_000);
  }

  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return "----- "
          + log.getFileName()
          + " (last "
          + lines
          + " lines) -----\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "----- " + log + ": unreadable: " + e.getMessage();
    }
  }
}
