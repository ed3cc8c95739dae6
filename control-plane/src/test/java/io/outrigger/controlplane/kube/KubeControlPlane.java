package io.outrigger.controlplane.kube;

import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.hostnet.TempFiles;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Control plane replicas started as {@code --kubeconfig} would start them against the class's real
 * API server, authenticated as their own service account with the documented RBAC, on a file
 * registry this fixture holds. Register it after the {@link KubeApiServerExtension} it uses (a
 * higher {@code @Order}); after the class it stops every replica and removes its files.
 */
final class KubeControlPlane implements BeforeAllCallback, AfterAllCallback {
  private final KubeApiServerExtension kube;
  private final List<ControlPlane> running = new ArrayList<>();
  private Path work;
  private KubeTestCluster cluster;
  private Path kubeconfig;
  private TestRegistry registry;

  KubeControlPlane(KubeApiServerExtension kube) {
    this.kube = kube;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    work = Files.createTempDirectory("outrigger-kube-control-plane-");
    cluster = new KubeTestCluster(kube.server(), work);
    kubeconfig = cluster.controlPlaneKubeconfig();
    registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
  }

  KubeTestCluster cluster() {
    return cluster;
  }

  /** The file registry every replica started here reads. */
  TestRegistry registry() {
    return registry;
  }

  /** Starts a replica; all share the registry and the CA, as a revision's replicas do. */
  ControlPlane start() {
    ControlPlane controlPlane =
        ControlPlane.start(
            ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca"))
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
  public void afterAll(ExtensionContext context) {
    try {
      List.copyOf(running).forEach(this::stop);
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (work != null) {
        TempFiles.deleteRecursively(work);
      }
    }
  }
}
