package io.outrigger.controlplane.kube;

import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import java.nio.file.Path;

/**
 * A control plane started as {@code --kubeconfig} would start it against the class's real API server,
 * authenticated as its own service account with the documented RBAC; closing it closes both.
 */
final class KubeControlPlane implements AutoCloseable {
  private final KubeTestCluster cluster;
  private final Path work;
  private final Path kubeconfig;
  private ControlPlane controlPlane;

  KubeControlPlane(KubeApiServer server, Path work) {
    this.cluster = new KubeTestCluster(server, work);
    this.work = work;
    this.kubeconfig = cluster.controlPlaneKubeconfig();
  }

  KubeTestCluster cluster() {
    return cluster;
  }

  /** Starts it on the file registry {@code registryDir}, its CA in the work directory. */
  ControlPlane start(Path registryDir) {
    controlPlane = ControlPlane.start(ControlPlaneSettings.forTests(registryDir, work.resolve("ca"))
        .withKube(KubeSettings.of(KubeConnection.kubeconfig(kubeconfig))));
    return controlPlane;
  }

  @Override
  public void close() {
    try {
      if (controlPlane != null) {
        controlPlane.close();
      }
    } finally {
      cluster.close();
    }
  }
}
