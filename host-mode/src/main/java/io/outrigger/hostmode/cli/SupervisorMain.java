package io.outrigger.hostmode.cli;

import io.outrigger.hostmode.supervisor.MeshPaths;

/** The background process {@code mesh up} starts: {@code SupervisorMain <name>}, until {@code mesh down} or SIGTERM. */
public final class SupervisorMain {
    private SupervisorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: SupervisorMain MESH_NAME");
            System.exit(2);
        }
        MeshDaemon daemon;
        try {
            daemon = MeshDaemon.start(MeshPaths.of(args[0]));
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
