package io.outrigger.hostmode.cli;

import io.outrigger.hostmode.supervisor.MeshPaths;

/**
 * The background process {@code mesh up} and {@code demo} start: {@code SupervisorMain NAME
 * [OWNER]}, until {@code mesh down}, SIGTERM, or (with OWNER, a pid@start owner id) that process's
 * end.
 */
public final class SupervisorMain {
  private SupervisorMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: SupervisorMain MESH_NAME [OWNER]");
      System.exit(2);
    }
    MeshDaemon daemon;
    try {
      daemon = MeshDaemon.start(MeshPaths.of(args[0]), args.length == 2 ? args[1] : null);
    } catch (RuntimeException e) {
      System.err.println("error: mesh " + args[0] + ": " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
      return;
    }
    daemon.awaitDown();
    System.exit(0);
  }
}
