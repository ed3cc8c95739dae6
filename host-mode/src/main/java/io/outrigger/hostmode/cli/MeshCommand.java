package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.supervisor.MeshPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code outrigger mesh}: Kubernetes manifests run on this host, as pods in network namespaces. */
@Command(
    name = "mesh",
    mixinStandardHelpOptions = true,
    description =
        "Run Kubernetes manifests on this Linux host (host mode): pods in network namespaces, the real"
            + " injector, CNI chain, Envoy sidecars and control plane. Needs root.",
    subcommands = {
      MeshCommand.Up.class,
      MeshCommand.Down.class,
      MeshCommand.Status.class,
      MeshCommand.Apply.class,
      MeshCommand.Delete.class,
      MeshCommand.Exec.class
    })
public final class MeshCommand implements Runnable {
  static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "a subcommand is required: " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Options every mesh command has. */
  static class MeshName {
    @Option(
        names = "--name",
        defaultValue = "default",
        description = "Which mesh (default: ${DEFAULT-VALUE}).")
    String name;

    MeshPaths paths() {
      return MeshPaths.of(name);
    }
  }

  abstract static class Base implements Callable<Integer> {
    @CommandLine.Mixin MeshName mesh;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** Reads the manifests; unreadable files are printed as errors. */
    List<ManifestReader.Source> read(List<Path> files) {
      List<String> errors = new ArrayList<>();
      List<ManifestReader.Source> sources = MeshControl.sources(files, errors);
      errors.forEach(e -> err().println("error: " + e));
      err().flush();
      return errors.isEmpty() ? sources : null;
    }
  }

  @Command(
      name = "up",
      description =
          "Validate the manifests, start the mesh in the background and wait until every"
              + " pod is ready and every sidecar in sync.")
  static final class Up extends Base {
    @Option(
        names = {"-f", "--filename"},
        required = true,
        description = "Manifest files or directories.")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
      MeshPaths paths = mesh.paths();
      List<ManifestReader.Source> sources = read(files);
      if (sources == null) {
        return 1;
      }
      List<String> errors = MeshControl.validate(sources);
      if (!errors.isEmpty()) {
        errors.forEach(e -> err().println("error: " + e));
        err().println("error: " + errors.size() + " problem(s); nothing was started");
        err().flush();
        return 1;
      }
      if (MeshControl.state(paths) == MeshControl.State.RUNNING) {
        throw new IllegalArgumentException(
            "mesh "
                + paths.name()
                + " is already up; use 'outrigger mesh apply'"
                + " or 'outrigger mesh down --name "
                + paths.name()
                + "' first");
      }
      if (MeshControl.state(paths) == MeshControl.State.STALE) {
        err()
            .println(
                "mesh "
                    + paths.name()
                    + ": removing what a dead supervisor left in "
                    + paths.dir());
        MeshControl.removeStale(paths);
      }
      MeshControl.startSupervisor(paths, null);
      JsonNode applied = MeshControl.request(paths, "apply", sources);
      if (!MeshControl.printErrors(applied, err())) {
        MeshControl.request(paths, "down", null);
        return 1;
      }
      JsonNode status = MeshControl.awaitReady(paths, READY_TIMEOUT, err());
      if (status == null) {
        err()
            .println(
                "error: mesh "
                    + paths.name()
                    + " is up but not ready; see 'outrigger mesh status --name "
                    + paths.name()
                    + "' and the logs above ('outrigger mesh down' removes it)");
        return 1;
      }
      StatusTable.print(status, out());
      out()
          .println(
              "mesh "
                  + paths.name()
                  + " is up: "
                  + status.path("pods").size()
                  + " pods, control plane "
                  + status.path("controlPlane").path("monitoring").asText()
                  + ", state "
                  + paths.dir());
      return 0;
    }
  }

  @Command(
      name = "down",
      description = "Stop the mesh and remove everything it created (also after a crash).")
  static final class Down extends Base {
    @Override
    public Integer call() throws Exception {
      MeshPaths paths = mesh.paths();
      switch (MeshControl.state(paths)) {
        case ABSENT -> {
          io.outrigger.hostnet.TempFiles.deleteRecursively(paths.dir());
          out().println("mesh " + paths.name() + " is not up: nothing to remove");
        }
        case STALE -> {
          MeshControl.removeStale(paths);
          out().println("mesh " + paths.name() + ": removed what a dead supervisor left");
        }
        case RUNNING -> {
          long pid = MeshControl.requireRunning(paths).path("supervisor").path("pid").asLong();
          MeshControl.request(paths, "down", null);
          ProcessHandle.of(pid)
              .ifPresent(
                  p ->
                      p.onExit()
                          .orTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                          .exceptionally(e -> p)
                          .join());
          out().println("mesh " + paths.name() + " is down");
        }
      }
      return 0;
    }
  }

  @Command(
      name = "status",
      description = "List the pods: name, IP, ready, sidecar and its xDS sync.")
  static final class Status extends Base {
    @Option(
        names = {"-o", "--output"},
        description = "table (default), json or yaml.",
        defaultValue = "table")
    String output;

    @Override
    public Integer call() throws Exception {
      MeshPaths paths = mesh.paths();
      MeshControl.requireRunning(paths);
      JsonNode status = MeshControl.request(paths, "status", null).path("mesh");
      switch (output) {
        case "json" ->
            out()
                .println(
                    MeshControl.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status));
        case "yaml" -> out().print(new YAMLMapper().writeValueAsString(status));
        case "table" -> StatusTable.print(status, out());
        default ->
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--output " + output + ": must be table, json or yaml");
      }
      out().flush();
      return 0;
    }
  }

  @Command(
      name = "apply",
      description =
          "Create or change objects of a running mesh (all or nothing: an invalid"
              + " object changes nothing); waits until every pod is ready and in sync.")
  static final class Apply extends Base {
    @Option(
        names = {"-f", "--filename"},
        required = true,
        description = "Manifest files or directories.")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
      return change(this, files, "apply");
    }
  }

  @Command(
      name = "delete",
      description = "Remove objects from a running mesh (pods of a deleted Deployment stop).")
  static final class Delete extends Base {
    @Option(
        names = {"-f", "--filename"},
        required = true,
        description = "Manifest files or directories.")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
      return change(this, files, "delete");
    }
  }

  static int change(Base command, List<Path> files, String op)
      throws IOException, InterruptedException {
    MeshPaths paths = command.mesh.paths();
    MeshControl.requireRunning(paths);
    List<ManifestReader.Source> sources = command.read(files);
    if (sources == null) {
      return 1;
    }
    JsonNode response = MeshControl.request(paths, op, sources);
    if (!MeshControl.printErrors(response, command.err())) {
      command.err().println("error: nothing was changed");
      command.err().flush();
      return 1;
    }
    response.path("done").forEach(d -> command.out().println(d.asText()));
    command.out().flush();
    return MeshControl.awaitReady(paths, READY_TIMEOUT, command.err()) == null ? 1 : 0;
  }

  @Command(
      name = "exec",
      description =
          "Run a command in a pod's network namespace as its app user: its traffic is"
              + " captured by the sidecar like the app's. Paths under the app's volume mounts are mapped.")
  static final class Exec extends Base {
    @Parameters(index = "0", paramLabel = "NAMESPACE/POD")
    String pod;

    @Parameters(index = "1..*", paramLabel = "COMMAND", arity = "1..*")
    List<String> command;

    @Override
    public Integer call() throws Exception {
      MeshPaths paths = mesh.paths();
      JsonNode status = MeshControl.requireRunning(paths);
      return PodExec.run(status, pod, command, true).waitFor();
    }
  }
}
