package io.outrigger.controlplane.cli;

import io.outrigger.controlplane.meshtarget.MeshTarget;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outrigger dashboard}: the mesh view's URL (the control plane's monitoring port, /ui). */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description =
        "Prints the URL of the mesh view (the control plane's monitoring port, /ui); --open opens it.")
public final class DashboardCommand implements Callable<Integer> {
  /** Tried in this order: the desktop's choice, then Debian's browser. */
  static final List<String> OPENERS = List.of("xdg-open", "chromium");

  @Mixin MeshTargetOptions target;

  @Option(names = "--open", description = "Also open it with xdg-open or chromium.")
  boolean open;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  public DashboardCommand() {
    this(System.getenv());
  }

  /**
   * @param env the environment: state root of host-mode meshes, PATH for --open
   */
  public DashboardCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    MeshTarget mesh = target.resolve(env);
    String url = mesh.monitoring() + "/ui";
    spec.commandLine().getOut().println(url);
    spec.commandLine().getOut().flush();
    if (open) {
      Path opener =
          OPENERS.stream()
              .map(this::onPath)
              .flatMap(Optional::stream)
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--open: neither xdg-open nor chromium is on PATH; "
                              + "open "
                              + url
                              + " in a browser"));
      try {
        // The browser outlives this command; its output is not ours to print.
        new ProcessBuilder(opener.toString(), url)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("--open: cannot run " + opener, e);
      }
    }
    return 0;
  }

  private Optional<Path> onPath(String program) {
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }
}
