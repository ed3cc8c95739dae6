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
 * How the control plane reaches the Kubernetes API: in-cluster (the pod's service account, {@code
 * --in-cluster}) or a kubeconfig file ({@code --kubeconfig PATH}). It opens clients; it holds none.
 *
 * @param kubeconfig the kubeconfig file; empty for in-cluster
 */
public record KubeConnection(Optional<Path> kubeconfig) {

  private static final long MAX_KUBECONFIG_BYTES = 1024 * 1024;

  public KubeConnection {
    Objects.requireNonNull(kubeconfig, "kubeconfig");
    kubeconfig = kubeconfig.map(p -> p.toAbsolutePath().normalize());
  }

  public static KubeConnection inCluster() {
    return new KubeConnection(Optional.empty());
  }

  public static KubeConnection kubeconfig(Path file) {
    return new KubeConnection(Optional.of(file));
  }

  /**
   * A new client; the caller closes it.
   *
   * @throws IllegalArgumentException naming the kubeconfig (or in-cluster) and why it cannot be used
   */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  private Config config() {
    if (kubeconfig.isEmpty()) {
      if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
        throw new IllegalArgumentException("in-cluster Kubernetes connection: KUBERNETES_SERVICE_HOST is not set, "
            + "so this is not a pod; pass --kubeconfig PATH instead");
      }
      return Config.autoConfigure(null);
    }
    Path file = kubeconfig.get();
    String text;
    try {
      if (Files.size(file) > MAX_KUBECONFIG_BYTES) {
        throw new IllegalArgumentException("kubeconfig " + file + ": larger than " + MAX_KUBECONFIG_BYTES + " bytes");
      }
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("kubeconfig " + file + ": cannot read: " + e.getMessage(), e);
    }
    Config config;
    try {
      config = Config.fromKubeconfig(null, text, file.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("kubeconfig " + file + ": invalid: " + e.getMessage(), e);
    }
    if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
      throw new IllegalArgumentException("kubeconfig " + file + ": invalid: no cluster server in its current context");
    }
    return config;
  }

  /** {@code kubeconfig PATH} or {@code in-cluster}, for logs and messages. */
  public String describe() {
    return kubeconfig.map(p -> "kubeconfig " + p).orElse("in-cluster");
  }

  @Override
  public String toString() {
    return describe();
  }
}
