package io.outrigger.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The two programs a tier-4 test runs: kube-apiserver (built by scripts/bootstrap.sh) and etcd
 * (Debian's).
 */
public record KubeApiServerBinaries(Path apiServer, Path etcd) {

  /**
   * .outrigger/kube/&lt;version&gt;/kube-apiserver; when several versions were built, the last by
   * name.
   */
  static Optional<Path> bootstrapBuild(Path repoRoot) {
    Path kube = repoRoot.resolve(".outrigger/kube");
    if (!Files.isDirectory(kube)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(kube)) {
      return versions
          .map(dir -> dir.resolve("kube-apiserver"))
          .filter(Files::isExecutable)
          .max(Comparator.comparing(bin -> bin.getParent().getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + kube, e);
    }
  }
}
