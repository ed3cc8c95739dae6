package io.outrigger.hostmode.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a mesh keeps its state: {@code /run/outrigger/mesh/<name>} ({@code OUTRIGGER_MESH_STATE}
 * replaces the root). It holds {@code mesh.json} (the contract other tools read), the supervisor's
 * pid file, log and control socket, the control plane's registry directory and CA, and a directory
 * per pod with its logs.
 */
public record MeshPaths(String name, Path dir) {
  public static final Path DEFAULT_ROOT = Path.of("/run/outrigger/mesh");
  public static final String STATE_ENV = "OUTRIGGER_MESH_STATE";
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");

  public static MeshPaths of(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "mesh name '" + name + "': must be 1-32 of a-z, 0-9 and '-'");
    }
    String env = System.getenv(STATE_ENV);
    Path root = env == null || env.isBlank() ? DEFAULT_ROOT : Path.of(env);
    return new MeshPaths(name, root.resolve(name));
  }

  public Path meshJson() {
    return dir.resolve("mesh.json");
  }

  public Path pidFile() {
    return dir.resolve("supervisor.pid");
  }

  public Path log() {
    return dir.resolve("supervisor.log");
  }

  public Path socket() {
    return dir.resolve("control.sock");
  }

  public Path registry() {
    return dir.resolve("registry");
  }

  public Path ca() {
    return dir.resolve("ca");
  }

  public Path leaseFile() {
    return dir.resolve("lease");
  }

  public Path pod(String namespace, String name) {
    return dir.resolve("pods").resolve(namespace + "_" + name);
  }

  /** The supervisor's owner id (pid@start), when a pid file exists. */
  public Optional<String> supervisorOwner() {
    try {
      return Files.isRegularFile(pidFile())
          ? Optional.of(Files.readString(pidFile()).strip())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
