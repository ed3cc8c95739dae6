package io.outrigger.controlplane.kube;

import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Control plane replicas started as {@code --kubeconfig} would start them against the class's real API server,
 * authenticated as their own service account with the documented RBAC; closing it closes them all.
 */
final class KubeControlPlane implements AutoCloseable {
  private final KubeTestCluster cluster;
  private final Path work;
  private final Path kubeconfig;
  private final List<ControlPlane> running = new ArrayList<>();

  KubeControlPlane(KubeApiServer server, Path work) {
    this.cluster = new KubeTestCluster(server, work);
    this.work = work;
    this.kubeconfig = cluster.controlPlaneKubeconfig();
  }

  KubeTestCluster cluster() {
    return cluster;
  }

  /**
   * Starts a replica on the file registry {@code registryDir}, its CA in the work directory (shared by every
   * replica started here, as a revision's replicas share the CA).
   */
  ControlPlane start(Path registryDir) {
    ControlPlane controlPlane = ControlPlane.start(ControlPlaneSettings.forTests(registryDir, work.resolve("ca"))
        .withCluster(ClusterSettings.of(KubeConnection.kubeconfig(kubeconfig))));
    running.add(controlPlane);
    return controlPlane;
  }

  /** Stops one replica (cleanly: it releases the Lease if it holds it). */
  void stop(ControlPlane controlPlane) {
    if (running.remove(controlPlane)) {
      controlPlane.close();
    }
  }

  @Override
  public void close() {
    try {
      List.copyOf(running).forEach(this::stop);
    } finally {
      cluster.close();
    }
  }
}
