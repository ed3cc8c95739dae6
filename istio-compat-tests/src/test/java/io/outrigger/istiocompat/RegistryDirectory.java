package io.outrigger.istiocompat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The file registry's directory, as a test edits it: whole files replaced atomically (write, then
 * rename), the way an operator's tooling would, so the control plane never reads half a file.
 */
final class RegistryDirectory {
  private final Path dir;

  RegistryDirectory(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  void write(String file, String yaml) {
    try {
      Path tmp = Files.createTempFile(dir.getParent(), "." + file, ".tmp");
      Files.writeString(tmp, yaml);
      Files.move(
          tmp,
          dir.resolve(file),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write registry file " + dir.resolve(file), e);
    }
  }

  /**
   * The Sidecar {@code app} of namespace bookinfo, selecting the workloads labelled {@code app},
   * with {@code spec} (the YAML under {@code spec:} after the selector), as {@code
   * <app>-sidecar.yaml}.
   */
  void writeSidecar(String app, String spec) {
    write(
        app + "-sidecar.yaml",
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: %s, namespace: bookinfo}
        spec:
          workloadSelector:
            labels: {app: %s}
        %s"""
            .formatted(app, app, spec.stripIndent().indent(2)));
  }

  /** Puts a file of {@code samples/bookinfo/} into the registry under the same file name. */
  void copySample(String relativePath) {
    write(Path.of(relativePath).getFileName().toString(), sample(relativePath));
  }

  /**
   * Writes a file in place (truncate, then write), as a tool that does not write-rename does: the
   * control plane may read it at any point of the write. With a cut-off {@code text} it is a writer
   * stopped mid-write.
   */
  void writeInPlace(String file, String text) {
    try {
      Files.writeString(dir.resolve(file), text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write registry file " + dir.resolve(file), e);
    }
  }

  /**
   * Replaces the whole directory as tools that swap a tree do: a new directory beside it gets every
   * file (with {@code changed} files' new text), the old one is renamed away, the new one renamed
   * into its place (for a moment there is no directory), and the old one deleted.
   */
  void replaceWhole(Map<String, String> changed) {
    Path next = dir.resolveSibling(dir.getFileName() + ".next");
    Path old = dir.resolveSibling(dir.getFileName() + ".old");
    try {
      Files.createDirectory(next);
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          Files.writeString(next.resolve(name), changed.getOrDefault(name, Files.readString(f)));
        }
      }
      for (Map.Entry<String, String> c : changed.entrySet()) {
        Files.writeString(next.resolve(c.getKey()), c.getValue());
      }
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(next, dir, StandardCopyOption.ATOMIC_MOVE);
      Directories.deleteRecursively(old);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace registry directory " + dir, e);
    }
  }

  void delete(String file) {
    try {
      Files.deleteIfExists(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete registry file " + dir.resolve(file), e);
    }
  }

  /**
   * The WorkloadEntry for a pod of the mesh, at the address its network namespace received. With a
   * sidecar it carries Istio's {@code security.istio.io/tlsMode: istio} label, as injection adds
   * it, which tells callers to use mutual TLS.
   */
  void writeWorkloadEntry(MeshWorkload w, String address, boolean hasSidecar) {
    Map<String, String> all = new TreeMap<>(w.labels());
    if (hasSidecar) {
      all.put("security.istio.io/tlsMode", "istio");
    }
    String labels =
        all.entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue())
            .collect(Collectors.joining(", ", "{", "}"));
    write(
        "workload-" + w.name() + ".yaml",
        """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: %s
          namespace: %s
        spec:
          address: %s
          serviceAccount: %s
          labels: %s
          ports:
            http: %d
        """
            .formatted(w.name(), w.namespace(), address, w.serviceAccount(), labels, w.port()));
  }

  /** A file of the repository's {@code samples/bookinfo/}: the tests run the configs users read. */
  static String sample(String relativePath) {
    Path file = samplesDir().resolve(relativePath);
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("sample " + file + " is missing", e);
    }
  }

  /** A sample with textual substitutions, for variants of a sample (other weights, modes). */
  static String sample(String relativePath, Map<String, String> replacements) {
    String text = sample(relativePath);
    for (Map.Entry<String, String> r : replacements.entrySet()) {
      if (!text.contains(r.getKey())) {
        throw new IllegalArgumentException(
            "sample " + relativePath + " has no '" + r.getKey() + "' to replace");
      }
      text = text.replace(r.getKey(), r.getValue());
    }
    return text;
  }

  private static Path samplesDir() {
    String root = System.getenv("OUTRIGGER_REPO_ROOT");
    Path repo =
        root != null && !root.isBlank() ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    return repo.resolve("samples/bookinfo");
  }
}
