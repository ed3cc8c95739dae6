package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.supervisor.MeshPaths;
import io.outrigger.hostnet.RepoRoot;
import io.outrigger.hostnet.SubnetLeases;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger demo}: the bookinfo sample in host mode with sidecars, the 90/10 canary with
 * jason on v3 and STRICT mTLS, a bounded load generator in a meshed pod; in the foreground until
 * Ctrl-C or SIGTERM, which remove everything it created. State a killed demo left is removed first.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the bookinfo sample in host mode (root): sidecars, canary routing, mTLS, live traffic."
            + " Ctrl-C removes everything.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--name",
      defaultValue = "default",
      description = "Mesh name (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--samples",
      description = "The samples directory (default: samples/ of this checkout).")
  Path samples;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir =
        samples != null
            ? samples
            : RepoRoot.find()
                .map(r -> r.resolve("samples"))
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "samples/ not found: run from the checkout or pass --samples DIR"));
    List<String> errors = new ArrayList<>();
    List<ManifestReader.Source> sources =
        MeshControl.sources(List.of(dir.resolve("bookinfo"), dir.resolve("demo")), errors);
    errors.addAll(MeshControl.validate(sources));
    if (!errors.isEmpty()) {
      errors.forEach(e -> err.println("error: " + e));
      err.flush();
      return 1;
    }
    MeshPaths paths = MeshPaths.of(name);
    Instant started = Instant.now();
    out.println(
        "Starting the bookinfo demo in host mode (mesh '"
            + name
            + "', state "
            + paths.dir()
            + ") ...");
    out.flush();
    clearEarlierRun(paths, out);
    String self = SubnetLeases.ownerId(ProcessHandle.current());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(paths), "demo-stop"));
    MeshControl.startSupervisor(paths, self);
    JsonNode applied = MeshControl.request(paths, "apply", sources);
    if (!MeshControl.printErrors(applied, err)) {
      return 1;
    }
    JsonNode status = MeshControl.awaitReady(paths, MeshCommand.READY_TIMEOUT, err);
    if (status == null) {
      err.println(
          "error: the demo did not become ready within "
              + MeshCommand.READY_TIMEOUT
              + "; see "
              + paths.dir()
              + "/pods/*/logs");
      err.flush();
      return 1;
    }
    printIntro(status, Duration.between(started, Instant.now()), out);
    reportTraffic(paths, out);
    return 0;
  }

  /**
   * A demo killed earlier: its supervisor is removing the mesh (wait for it), or died too (clean
   * up).
   */
  private static void clearEarlierRun(MeshPaths paths, PrintWriter out)
      throws InterruptedException {
    if (MeshControl.state(paths) == MeshControl.State.RUNNING) {
      String owner = null;
      try {
        owner = Files.readString(paths.dir().resolve("owner")).strip();
      } catch (IOException e) {
        // A mesh started by 'mesh up' has no owner: it is not the demo's to remove.
      }
      if (owner == null || SubnetLeases.ownerAlive(owner)) {
        throw new IllegalArgumentException(
            "mesh "
                + paths.name()
                + " is already up"
                + (owner == null
                    ? " (started by 'mesh up'; 'outrigger mesh down' stops it)"
                    : " (another demo runs)")
                + "; or run the demo with --name OTHER");
      }
      out.println("An earlier demo was killed; waiting for its mesh to be removed ...");
      out.flush();
      if (!MeshControl.awaitGone(paths, Duration.ofSeconds(60))) {
        throw new IllegalArgumentException(
            "mesh "
                + paths.name()
                + " of a killed demo is still up after"
                + " 60 s; 'outrigger mesh down --name "
                + paths.name()
                + "' removes it");
      }
    }
    if (MeshControl.state(paths) == MeshControl.State.STALE) {
      out.println("Removing what an earlier run left in " + paths.dir() + " ...");
      out.flush();
      MeshControl.removeStale(paths);
    }
  }

  /** Ctrl-C or SIGTERM: the mesh is taken down, and the demo exits once everything is removed. */
  private static void stop(MeshPaths paths) {
    try {
      if (MeshControl.state(paths) == MeshControl.State.RUNNING) {
        System.err.println("Stopping the demo: removing pods, sidecars, network and state ...");
        MeshControl.request(paths, "down", null);
        MeshControl.awaitGone(paths, Duration.ofSeconds(60));
      }
      System.err.println("Demo stopped; nothing is left behind.");
    } catch (IOException e) {
      System.err.println(
          "error: stopping the demo: " + e.getMessage() + " ('outrigger mesh down' retries)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void printIntro(JsonNode status, Duration took, PrintWriter out) {
    String flag = name.equals("default") ? "" : " --name " + name;
    out.println();
    StatusTable.print(status, out);
    out.println();
    out.println(
        "Ready in "
            + took.toSeconds()
            + " s: "
            + status.path("pods").size()
            + " pods with Envoy sidecars; reviews split 90/10 between v1 and v2, end-user jason -> v3; STRICT mTLS.");
    out.println("Mesh view:  " + status.path("controlPlane").path("monitoring").asText() + "/ui");
    out.println();
    out.println("Try:");
    out.println(
        "  ./outrigger mesh exec"
            + flag
            + " bookinfo/client-0 -- python3 /app/bookinfo.py get"
            + " http://productpage:9080/ --count 20 --header end-user:jason");
    out.println("  ./outrigger proxy-status" + flag);
    out.println("  ./outrigger mesh status" + flag);
    out.println();
    out.println(
        "Traffic from bookinfo/loadgen (a meshed pod) every 10 s; Ctrl-C stops the demo and removes everything.");
    out.flush();
  }

  /**
   * Prints each round the load generator logs: requests, errors, versions seen, callers'
   * identities.
   */
  private static void reportTraffic(MeshPaths paths, PrintWriter out) {
    Path log = paths.pod("bookinfo", "loadgen").resolve("logs").resolve("app.log");
    long offset = 0;
    while (MeshControl.state(paths) == MeshControl.State.RUNNING) {
      try {
        Thread.sleep(1000);
        if (!Files.exists(log) || Files.size(log) <= offset) {
          continue;
        }
        String text = Files.readString(log);
        String fresh = text.substring((int) Math.min(offset, text.length()));
        offset = text.length();
        for (String line : fresh.lines().toList()) {
          summary(line)
              .ifPresent(
                  s -> {
                    out.println(s);
                    out.flush();
                  });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException e) {
        // The pod may be restarting; try again next second.
      }
    }
  }

  private static java.util.Optional<String> summary(String line) {
    try {
      JsonNode round = MeshControl.JSON.readTree(line);
      if (!round.has("requests")) {
        return java.util.Optional.empty();
      }
      Map<String, Integer> reviews = new TreeMap<>();
      round
          .path("versions")
          .properties()
          .forEach(
              e -> {
                if (e.getKey().startsWith("reviews:")) {
                  reviews.put(e.getKey().substring("reviews:".length()), e.getValue().asInt());
                }
              });
      int total = reviews.values().stream().mapToInt(Integer::intValue).sum();
      StringBuilder split = new StringBuilder();
      reviews.forEach(
          (v, n) ->
              split
                  .append(' ')
                  .append(v)
                  .append('=')
                  .append(total == 0 ? 0 : Math.round(100.0 * n / total))
                  .append('%'));
      return java.util.Optional.of(
          "traffic: "
              + round.path("requests").asInt()
              + " requests, "
              + round.path("errors").asInt()
              + " errors; reviews"
              + split
              + "; mTLS peers of productpage: "
              + round.path("peers").path("productpage"));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }
}
