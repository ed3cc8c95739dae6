package io.outrigger.hostnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Where the host's tools are: Envoy, the CNI plugins (Debian's and ours), commands on PATH. */
public final class HostTools {

  private static final Path DEFAULT_CNI_DIR = Path.of("/usr/lib/cni");

  private HostTools() {}

  /** The directories CNI plugins are looked up in: {@code CNI_PATH} if set, else /usr/lib/cni. */
  public static List<Path> cniPath() {
    String env = System.getenv("CNI_PATH");
    if (env == null || env.isBlank()) {
      return List.of(DEFAULT_CNI_DIR);
    }
    return Arrays.stream(env.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList();
  }

  public static Optional<Path> cniPlugin(String name) {
    return cniPath().stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
  }

  /**
   * The directory of the {@code outrigger-cni} plugin image: {@code OUTRIGGER_CNI_DIR}, else the
   * one the build made in this checkout ({@code cni-chain/target/plugin-image}, built with the cli
   * jar).
   */
  public static Optional<Path> outriggerCniDir() {
    String env = System.getenv("OUTRIGGER_CNI_DIR");
    if (env != null && !env.isBlank()) {
      Path dir = Path.of(env);
      return Files.isExecutable(dir.resolve("outrigger-cni")) ? Optional.of(dir) : Optional.empty();
    }
    return RepoRoot.find()
        .map(r -> r.resolve("cni-chain/target/plugin-image"))
        .filter(dir -> Files.isExecutable(dir.resolve("outrigger-cni")));
  }

  /**
   * The Envoy binary: {@code ENVOY_BIN}, else the one {@code scripts/bootstrap.sh} installed, else
   * PATH.
   */
  public static Optional<Path> envoy() {
    String env = System.getenv("ENVOY_BIN");
    if (env != null && !env.isBlank()) {
      Path bin = Path.of(env);
      return Files.isExecutable(bin) ? Optional.of(bin) : Optional.empty();
    }
    Optional<Path> installed = RepoRoot.find().flatMap(HostTools::bootstrapEnvoy);
    return installed.isPresent() ? installed : onPath("envoy");
  }

  /**
   * Same place scripts/bootstrap.sh installs it:
   * .outrigger/venv/lib/python3.X/site-packages/envoy/_bin.
   */
  private static Optional<Path> bootstrapEnvoy(Path repoRoot) {
    Path lib = repoRoot.resolve(".outrigger/venv/lib");
    if (!Files.isDirectory(lib)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
      for (Path python : pythons) {
        Path bin = python.resolve("site-packages/envoy/_bin/envoy");
        if (Files.isExecutable(bin)) {
          return Optional.of(bin);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + lib, e);
    }
  }

  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(":"))
        .filter(s -> !s.isBlank())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
