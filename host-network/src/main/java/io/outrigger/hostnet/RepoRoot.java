package io.outrigger.hostnet;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The checkout Outrigger runs from: {@code OUTRIGGER_REPO_ROOT} (surefire passes it), else the
 * first parent of the working directory, then of the running jar or classes, that holds {@code
 * scripts/bootstrap.sh}.
 */
public final class RepoRoot {

  private RepoRoot() {}

  public static Optional<Path> find() {
    String env = System.getenv("OUTRIGGER_REPO_ROOT");
    if (env != null && !env.isBlank() && Files.isDirectory(Path.of(env))) {
      return Optional.of(Path.of(env).toAbsolutePath());
    }
    return above(Path.of("").toAbsolutePath()).or(() -> codeLocation().flatMap(RepoRoot::above));
  }

  private static Optional<Path> above(Path start) {
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("scripts/bootstrap.sh"))) {
        return Optional.of(dir);
      }
    }
    return Optional.empty();
  }

  /**
   * cli/target/outrigger.jar or a module's target/classes: ./outrigger run from another directory.
   */
  private static Optional<Path> codeLocation() {
    try {
      return Optional.of(
          Path.of(RepoRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
