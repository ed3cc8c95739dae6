package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the control plane reaches the Kubernetes API: the pod's own service account ({@code --in-cluster})
 * or a kubeconfig file ({@code --kubeconfig PATH}). Never reads {@code ~/.kube/config} or the
 * environment by surprise: what is used is what the operator named.
 *
 * @param kubeconfig the kubeconfig file; empty for in-cluster credentials
 */
public record KubeConnection(Optional<Path> kubeconfig) {

  public KubeConnection {
    Objects.requireNonNull(kubeconfig, "kube connection: kubeconfig");
    kubeconfig = kubeconfig.map(p -> p.toAbsolutePath().normalize());
  }

  /** The service account mounted into the control plane's pod. */
  public static KubeConnection inCluster() {
    return new KubeConnection(Optional.empty());
  }

  public static KubeConnection kubeconfig(Path file) {
    return new KubeConnection(Optional.of(file));
  }

  /**
   * A new client; the caller closes it.
   *
   * @throws IllegalArgumentException naming the kubeconfig (or the in-cluster files) when it cannot be used
   */
  public KubernetesClient newClient() {
    Config config = kubeconfig.map(KubeConnection::fromFile).orElseGet(KubeConnection::fromPod);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** "kubeconfig /path" or "in-cluster": for logs and errors. */
  public String describe() {
    return kubeconfig.map(p -> "kubeconfig " + p).orElse("in-cluster");
  }

  @Override
  public String toString() {
    return describe();
  }

  private static Config fromFile(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("kubeconfig " + file + ": cannot read it: " + e.getMessage(), e);
    }
    Config config;
    try {
      config = Config.fromKubeconfig(null, yaml, file.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("kubeconfig " + file + ": not a usable kubeconfig: " + e.getMessage(), e);
    }
    if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
      throw new IllegalArgumentException("kubeconfig " + file + ": names no API server (clusters[].cluster.server)");
    }
    return config;
  }

  private static Config fromPod() {
    Path token = Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH);
    if (System.getenv("KUBERNETES_SERVICE_HOST") == null || !Files.isReadable(token)) {
      throw new IllegalArgumentException("in-cluster: not running in a pod (KUBERNETES_SERVICE_HOST unset or "
          + token + " unreadable); use --kubeconfig PATH outside a cluster");
    }
    // fabric8's own in-cluster path: API server from the environment, CA and token from the mounted
    // service account, the token re-read as the kubelet rotates it.
    return Config.autoConfigure(null);
  }
}
