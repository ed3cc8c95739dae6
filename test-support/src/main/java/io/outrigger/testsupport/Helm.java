package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.RepoRoot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The helm CLI ({@link Prerequisites#requireHelm()}, built by scripts/bootstrap.sh --tests from its
 * Go module) on the mesh's chart, manifests/charts/outrigger. Its cache, config and data
 * directories are a private directory under java.io.tmpdir, so tests never read or change a user's
 * helm setup.
 */
public final class Helm {

  private static final Path HOME =
      Path.of(System.getProperty("java.io.tmpdir"), "outrigger-helm-home");

  private final Path binary;

  public Helm(Path binary) {
    this.binary = binary;
  }

  /**
   * helm from {@link Prerequisites#requireHelm()} (fails under CI=true when missing, else skips).
   */
  public static Helm require() {
    return new Helm(Prerequisites.requireHelm());
  }

  /** The chart's directory in this checkout. */
  public static Path chart() {
    return RepoRoot.find()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no repository root above " + System.getProperty("user.dir")))
        .resolve("manifests/charts/outrigger");
  }

  /** {@code helm ARGS}, bounded by {@code timeout}; the result, whatever the exit code. */
  public ExecResult run(Duration timeout, List<String> args) {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(args);
    return Commands.run(
        command,
        Map.of(
            "HELM_CACHE_HOME",
            HOME.resolve("cache").toString(),
            "HELM_CONFIG_HOME",
            HOME.resolve("config").toString(),
            "HELM_DATA_HOME",
            HOME.resolve("data").toString()),
        null,
        timeout);
  }

  /**
   * {@code helm template outrigger CHART -n NAMESPACE --set ...} (with the CRDs when asked); fails
   * on an error.
   */
  public String template(String namespace, boolean includeCrds, List<String> sets) {
    List<String> args =
        new ArrayList<>(List.of("template", "outrigger", chart().toString(), "-n", namespace));
    if (includeCrds) {
      args.add("--include-crds");
    }
    sets.forEach(set -> args.addAll(List.of("--set", set)));
    return run(Duration.ofSeconds(60), args).orThrow("helm " + args).stdout();
  }
}
