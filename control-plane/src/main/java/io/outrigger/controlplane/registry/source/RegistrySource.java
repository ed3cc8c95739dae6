package io.outrigger.controlplane.registry.source;

import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.registry.MeshRegistry;
import io.outrigger.controlplane.registry.ObjectSource;
import io.outrigger.controlplane.registry.Registry;
import io.outrigger.controlplane.registry.file.FileRegistry;
import io.outrigger.controlplane.registry.file.YamlDirectory;
import io.outrigger.controlplane.registry.kube.KubeApiSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which registry the mesh comes from, as the operator names it ({@code --registry file:DIR}, {@code
 * kube}, {@code kube:KUBECONFIG}, or several of them merged). It is the one place that maps a name
 * to an implementation: the server, the CLI and the settings hold a source and {@link #open()} it,
 * so none of them knows which registry is in use.
 */
public sealed interface RegistrySource {

  /** A new, not yet started registry reading this source. */
  default Registry open() {
    return new MeshRegistry(objectSources());
  }

  /** New, not yet started sources of the objects this registry reads. */
  List<ObjectSource> objectSources();

  /** The embedded default: a directory of Kubernetes and Istio YAML, watched for changes. */
  record Directory(Path dir) implements RegistrySource {
    public Directory {
      dir = dir.toAbsolutePath().normalize();
    }

    @Override
    public List<ObjectSource> objectSources() {
      return List.of(new YamlDirectory(dir, FileRegistry.DEFAULT_SETTLE));
    }

    @Override
    public String toString() {
      return "file:" + dir;
    }
  }

  /** The Kubernetes API, watched with informers. */
  record Kube(KubeConnection connection) implements RegistrySource {
    /** A replay of the informers' stores, as a safety net; unchanged objects are dropped early. */
    static final Duration RESYNC = Duration.ofMinutes(5);

    /** How long the start waits for the first list of every kind before it fails. */
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public List<ObjectSource> objectSources() {
      return List.of(new KubeApiSource(connection, RESYNC, SYNC_TIMEOUT));
    }

    @Override
    public String toString() {
      return connection.kubeconfig().map(p -> "kube:" + p).orElse("kube");
    }
  }

  /** Several registries merged into one model; an object two of them define is a config error. */
  record Merged(List<RegistrySource> parts) implements RegistrySource {
    public Merged {
      parts = List.copyOf(parts);
    }

    @Override
    public List<ObjectSource> objectSources() {
      return parts.stream().flatMap(p -> p.objectSources().stream()).toList();
    }

    @Override
    public String toString() {
      return parts.stream().map(RegistrySource::toString).collect(Collectors.joining(","));
    }
  }

  static RegistrySource directory(Path dir) {
    return new Directory(dir);
  }

  static RegistrySource kube(KubeConnection connection) {
    return new Kube(connection);
  }

  /**
   * One source as itself, several merged in the order given (the first one's object wins a
   * duplicate).
   */
  static RegistrySource merged(List<RegistrySource> sources) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("registry: none given");
    }
    return sources.size() == 1 ? sources.get(0) : new Merged(sources);
  }

  /**
   * Parses what an operator wrote; a source that cannot work is refused here, before anything
   * starts.
   *
   * @throws IllegalArgumentException naming the value and the reason
   */
  static RegistrySource parse(String value) {
    if (value.equals("kube")) {
      return kube(KubeConnection.inCluster());
    }
    if (value.startsWith("kube:")) {
      Path kubeconfig = Path.of(value.substring("kube:".length())).toAbsolutePath().normalize();
      if (!Files.isReadable(kubeconfig)) {
        throw new IllegalArgumentException(
            "registry '"
                + value
                + "': kubeconfig "
                + kubeconfig
                + (Files.exists(kubeconfig) ? " is not readable" : " does not exist"));
      }
      return kube(KubeConnection.kubeconfig(kubeconfig));
    }
    if (!value.startsWith("file:")) {
      throw new IllegalArgumentException(
          "registry '"
              + value
              + "': unknown kind; supported: file:DIR "
              + "(a directory of Kubernetes and Istio YAML), kube (the Kubernetes API, in-cluster), "
              + "kube:KUBECONFIG (the Kubernetes API of a kubeconfig's current context)");
    }
    Path dir = Path.of(value.substring("file:".length())).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "registry '"
              + value
              + "': "
              + dir
              + (Files.exists(dir) ? " is not a directory" : " does not exist"));
    }
    return new Directory(dir);
  }
}
