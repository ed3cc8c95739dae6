package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.supervisor.ControlSocket;
import io.outrigger.hostmode.supervisor.MeshPaths;
import io.outrigger.hostmode.supervisor.Supervisor;
import io.outrigger.hostnet.SubnetLeases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mesh supervisor in this JVM with its control socket: the background process of {@code mesh up}
 * and the foreground of {@code demo}. Removed on {@code down}, and on SIGTERM/SIGINT by a shutdown
 * hook.
 */
final class MeshDaemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MeshDaemon.class);

  private final MeshPaths paths;
  private final CountDownLatch down = new CountDownLatch(1);
  private final Thread hook = new Thread(this::close, "mesh-shutdown");
  private Supervisor supervisor;
  private ControlSocket socket;

  private MeshDaemon(MeshPaths paths) {
    this.paths = paths;
  }

  /** Removes stale state of an earlier run first; refuses when a live supervisor holds the name. */
  static MeshDaemon start(MeshPaths paths, String owner) {
    switch (MeshControl.state(paths)) {
      case RUNNING ->
          throw new IllegalArgumentException(
              "mesh "
                  + paths.name()
                  + " is already up (supervisor "
                  + paths.supervisorOwner().orElse("?")
                  + "); use 'outrigger mesh down --name "
                  + paths.name()
                  + "' first");
      case STALE -> {
        LOG.warn("event=stale_mesh_removed name={} dir={}", paths.name(), paths.dir());
        MeshControl.removeStale(paths);
      }
      case ABSENT -> {}
    }
    MeshDaemon daemon = new MeshDaemon(paths);
    try {
      Files.createDirectories(paths.dir());
      Files.setPosixFilePermissions(paths.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.writeString(paths.pidFile(), SubnetLeases.ownerId(ProcessHandle.current()));
    } catch (IOException e) {
      throw new UncheckedIOException("mesh " + paths.name() + ": cannot create " + paths.dir(), e);
    }
    Runtime.getRuntime().addShutdownHook(daemon.hook);
    try {
      daemon.supervisor = Supervisor.start(paths);
      daemon.socket = ControlSocket.open(paths.socket(), daemon::handle);
    } catch (IOException | RuntimeException e) {
      daemon.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    if (owner != null) {
      Thread.ofPlatform()
          .daemon()
          .name("mesh-owner-watch")
          .start(() -> daemon.removeWhenGone(owner));
    }
    return daemon;
  }

  /**
   * The demo that started this mesh was killed (even with SIGKILL): remove everything it created.
   */
  private void removeWhenGone(String owner) {
    try {
      while (SubnetLeases.ownerAlive(owner) && down.getCount() > 0) {
        Thread.sleep(500);
      }
    } catch (InterruptedException e) {
      return;
    }
    if (down.getCount() > 0) {
      LOG.warn("event=owner_gone mesh={} owner={} action=remove_mesh", paths.name(), owner);
      close();
    }
  }

  void awaitDown() throws InterruptedException {
    down.await();
  }

  private JsonNode handle(JsonNode request) {
    ObjectNode response = MeshControl.JSON.createObjectNode();
    String op = request.path("op").asText();
    switch (op) {
      case "apply", "delete" -> {
        List<ManifestReader.Source> sources = new ArrayList<>();
        request
            .path("sources")
            .forEach(
                s ->
                    sources.add(
                        new ManifestReader.Source(
                            s.path("name").asText(), s.path("text").asText())));
        Supervisor.Outcome outcome =
            op.equals("apply") ? supervisor.apply(sources) : supervisor.delete(sources);
        response.put("ok", outcome.ok());
        outcome.errors().forEach(response.withArray("errors")::add);
        outcome.done().forEach(response.withArray("done")::add);
      }
      case "status" -> {
        response.put("ok", true);
        response.set("mesh", supervisor.status());
      }
      case "down" -> {
        close();
        response.put("ok", true);
      }
      default -> {
        response.put("ok", false);
        response.putArray("errors").add("unknown request '" + op + "'");
      }
    }
    return response;
  }

  @Override
  public synchronized void close() {
    if (down.getCount() == 0) {
      return;
    }
    try {
      if (supervisor != null) {
        supervisor.close();
      }
    } finally {
      if (socket != null) {
        socket.close();
      }
      io.outrigger.hostnet.TempFiles.deleteRecursively(paths.dir());
      down.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutting down: this is the hook.
      }
    }
  }
}
