package io.outrigger.controlplane.kube;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the control plane reaches the Kubernetes API: as its pod's service account (in-cluster), or
 * with a kubeconfig file. Every part of the control plane that talks to the API gets its client
 * here.
 *
 * @param kubeconfig the kubeconfig file; empty for the in-cluster service account
 */
public record KubeConnection(Optional<Path> kubeconfig) {
  private static final ObjectMapper YAML =
      YAMLMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /**
   * A kubeconfig is a few KiB; anything this large is not one (and must not be read into memory
   * whole).
   */
  static final long MAX_KUBECONFIG_BYTES = 1024 * 1024;

  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  public KubeConnection {
    Objects.requireNonNull(kubeconfig, "kubeconfig");
    kubeconfig = kubeconfig.map(p -> p.toAbsolutePath().normalize());
  }

  /** The pod's own service account, as every in-cluster client finds it. */
  public static KubeConnection inCluster() {
    return new KubeConnection(Optional.empty());
  }

  public static KubeConnection kubeconfig(Path path) {
    return new KubeConnection(Optional.of(path));
  }

  /**
   * A new client; the caller closes it.
   *
   * @throws IllegalArgumentException naming the kubeconfig (or the in-cluster setup) and why it
   *     cannot be used
   */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  private Config config() {
    if (kubeconfig.isPresent()) {
      return fromKubeconfig(kubeconfig.get());
    }
    String host = System.getenv("KUBERNETES_SERVICE_HOST");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "in-cluster Kubernetes config: KUBERNETES_SERVICE_HOST is not set (not"
              + " running in a pod?); give a kubeconfig instead (kube:PATH)");
    }
    if (!Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
      throw new IllegalArgumentException(
          "in-cluster Kubernetes config: "
              + SERVICE_ACCOUNT_TOKEN
              + " is not readable (automountServiceAccountToken: false?)");
    }
    // Reads the service account's token (and re-reads it when it rotates), CA and namespace.
    return new io.fabric8.kubernetes.client.ConfigBuilder().build();
  }

  private static Config fromKubeconfig(Path path) {
    String text;
    try {
      if (Files.size(path) > MAX_KUBECONFIG_BYTES) {
        throw new IllegalArgumentException(
            "kubeconfig "
                + path
                + ": larger than "
                + MAX_KUBECONFIG_BYTES
                + " bytes, not a kubeconfig");
      }
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kubeconfig " + path + ": cannot read it: " + e.getMessage(), e);
    }
    // fabric8 falls back to defaults (a server of https://kubernetes.default.svc) on what it cannot
    // use:
    // check first that the file names a server, so a wrong file is reported as such.
    io.fabric8.kubernetes.api.model.Config parsed;
    try {
      parsed = YAML.readValue(text, io.fabric8.kubernetes.api.model.Config.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kubeconfig "
              + path
              + ": not a usable kubeconfig: "
              + e.getMessage().lines().findFirst().orElse(""),
          e);
    }
    if (serverOfCurrentContext(parsed).isEmpty()) {
      throw new IllegalArgumentException(
          "kubeconfig " + path + ": its current context names no server");
    }
    try {
      // With the file, so certificate paths in it resolve relative to its directory, as kubectl
      // does.
      return Config.fromKubeconfig(null, path.toFile());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "kubeconfig " + path + ": not a usable kubeconfig: " + e.getMessage(), e);
    }
  }

  private static Optional<String> serverOfCurrentContext(
      io.fabric8.kubernetes.api.model.Config config) {
    if (config == null
        || config.getCurrentContext() == null
        || config.getContexts() == null
        || config.getClusters() == null) {
      return Optional.empty();
    }
    return config.getContexts().stream()
        .filter(c -> config.getCurrentContext().equals(c.getName()) && c.getContext() != null)
        .map(c -> c.getContext().getCluster())
        .flatMap(cluster -> config.getClusters().stream().filter(n -> n.getName().equals(cluster)))
        .map(n -> n.getCluster() == null ? null : n.getCluster().getServer())
        .filter(server -> server != null && !server.isBlank())
        .findFirst();
  }

  /** For logs and errors: which credentials this is. */
  public String describe() {
    return kubeconfig.map(p -> "kubeconfig " + p).orElse("in-cluster service account");
  }

  @Override
  public String toString() {
    return describe();
  }
}
