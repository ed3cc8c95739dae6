package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.manifest.MeshPlanner;
import io.outrigger.hostmode.manifest.MeshSpec;
import io.outrigger.hostmode.supervisor.ControlSocket;
import io.outrigger.hostmode.supervisor.Injection;
import io.outrigger.hostmode.supervisor.MeshPaths;
import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the mesh commands share: the state of a mesh on this host, its cleanup, and talking to its
 * supervisor.
 */
final class MeshControl {
  static final ObjectMapper JSON = new ObjectMapper();

  enum State {
    ABSENT,
    RUNNING,
    STALE
  }

  private MeshControl() {}

  /**
   * Running: its supervisor (pid and start time as recorded) lives. Stale: state left by a dead
   * one. A directory without a pid file is a supervisor still starting (its log is there) or one
   * that died before it held anything: absent.
   */
  static State state(MeshPaths paths) {
    Optional<String> owner = paths.supervisorOwner();
    if (owner.isEmpty()) {
      return State.ABSENT;
    }
    return SubnetLeases.ownerAlive(owner.get()) ? State.RUNNING : State.STALE;
  }

  /**
   * Removes what a dead supervisor left: processes in its pods' namespaces, the namespaces (and so
   * veths and iptables rules), the bridge, IPAM state, hosts files, the lease and the state
   * directory. A lease another live process holds by now is not touched: that process already swept
   * it.
   */
  static void removeStale(MeshPaths paths) {
    Optional<String> owner = paths.supervisorOwner();
    try {
      if (Files.isRegularFile(paths.leaseFile())) {
        int index = Integer.parseInt(Files.readString(paths.leaseFile()).strip());
        Optional<String> holder = SubnetLeases.owner(index);
        if (holder.isEmpty() || holder.equals(owner) || !SubnetLeases.ownerAlive(holder.get())) {
          BridgeNetworks.sweep(index);
          if (holder.isPresent()) {
            SubnetLeases.release(index);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // No readable lease: the supervisor died before leasing; nothing network-side to remove.
    }
    TempFiles.deleteRecursively(paths.dir());
  }

  /**
   * Starts {@code SupervisorMain} in the background (its own session, output to the mesh's log) and
   * waits for its control socket. With {@code owner} (an owner id), the supervisor removes the mesh
   * once that process is gone: the demo's, so even a {@code kill -9} of it leaves nothing behind
   * for long.
   */
  static void startSupervisor(MeshPaths paths, String owner)
      throws IOException, InterruptedException {
    Files.createDirectories(paths.dir());
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command =
        new ArrayList<>(
            List.of(
                "setsid",
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-Xss512k"));
    if (Runtime.version().feature() >= 24) {
      // As the ./outrigger launcher does: protobuf's sun.misc.Unsafe use warns on JDK 24+ (JEP
      // 498).
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            SupervisorMain.class.getName(),
            paths.name()));
    if (owner != null) {
      command.add(owner);
      Files.writeString(paths.dir().resolve("owner"), owner);
    }
    Process supervisor =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.log().toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (Files.exists(paths.socket())) {
        return;
      }
      if (!supervisor.isAlive()) {
        String log = Files.exists(paths.log()) ? Files.readString(paths.log()) : "";
        List<String> lines =
            log.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING:")).toList();
        throw new IllegalArgumentException(
            "mesh "
                + paths.name()
                + ": the supervisor exited "
                + supervisor.exitValue()
                + " while starting: "
                + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
      }
      Thread.sleep(100);
    }
    throw new IllegalArgumentException(
        "mesh "
            + paths.name()
            + ": the supervisor did not open "
            + paths.socket()
            + " within 60 s (log: "
            + paths.log()
            + ")");
  }

  /**
   * Waits until a mesh's supervisor has exited (after a down, or its owner's death); false on
   * timeout.
   */
  static boolean awaitGone(MeshPaths paths, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (state(paths) != State.RUNNING) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** Every error of the manifests at these paths, read and planned as a whole (nothing runs). */
  static List<String> validate(List<ManifestReader.Source> sources) {
    ManifestReader.Result read = new ManifestReader().read(sources);
    List<String> errors = new ArrayList<>(read.errors());
    MeshSpec spec = MeshSpec.empty().apply(read.objects(), errors);
    errors.addAll(new MeshPlanner(Injection.forValidation()).plan(spec).errors());
    return errors;
  }

  static List<ManifestReader.Source> sources(List<Path> files, List<String> errors) {
    return ManifestReader.sources(files, errors);
  }

  static ArrayNode toJson(List<ManifestReader.Source> sources) {
    ArrayNode out = JSON.createArrayNode();
    sources.forEach(s -> out.addObject().put("name", s.name()).put("text", s.text()));
    return out;
  }

  static JsonNode request(MeshPaths paths, String op, List<ManifestReader.Source> sources)
      throws IOException {
    ObjectNode request = JSON.createObjectNode().put("op", op);
    if (sources != null) {
      request.set("sources", toJson(sources));
    }
    return ControlSocket.request(paths.socket(), request);
  }

  static JsonNode requireRunning(MeshPaths paths) {
    State state = state(paths);
    if (state != State.RUNNING) {
      throw new IllegalArgumentException(
          "mesh "
              + paths.name()
              + " is not up"
              + (state == State.STALE
                  ? " (its supervisor died; 'outrigger mesh down --name "
                      + paths.name()
                      + "' removes what it left)"
                  : " (start it with 'outrigger mesh up -f PATH')"));
    }
    try {
      return JSON.readTree(paths.meshJson().toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "mesh " + paths.name() + ": cannot read " + paths.meshJson() + ": " + e.getMessage(), e);
    }
  }

  /** Prints the errors of a response, one line each; true when there were none. */
  static boolean printErrors(JsonNode response, PrintWriter err) {
    if (response.path("ok").asBoolean(false)) {
      return true;
    }
    response.path("errors").forEach(e -> err.println("error: " + e.asText()));
    err.flush();
    return false;
  }

  /** Waits until every pod is ready and every sidecar in sync; returns the last status. */
  static JsonNode awaitReady(MeshPaths paths, Duration timeout, PrintWriter err)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    JsonNode status;
    int settled = 0;
    do {
      status = request(paths, "status", null).path("mesh");
      // Twice in a row: the last pod turning Ready makes one more endpoint push, which must be
      // ACKed too.
      settled = allReady(status) ? settled + 1 : 0;
      if (settled == 2) {
        return status;
      }
      Thread.sleep(300);
    } while (Instant.now().isBefore(deadline));
    for (JsonNode pod : status.path("pods")) {
      if (!pod.path("ready").asBoolean() || !pod.path("synced").asBoolean()) {
        err.println(
            "error: Pod "
                + pod.path("namespace").asText()
                + "/"
                + pod.path("name").asText()
                + ": not "
                + (pod.path("ready").asBoolean() ? "in sync" : "ready")
                + " after "
                + timeout
                + " (logs: "
                + pod.path("logs").asText()
                + ")");
      }
    }
    err.flush();
    return null;
  }

  static boolean allReady(JsonNode status) {
    for (JsonNode pod : status.path("pods")) {
      if (!pod.path("ready").asBoolean() || !pod.path("synced").asBoolean()) {
        return false;
      }
    }
    return true;
  }
}
