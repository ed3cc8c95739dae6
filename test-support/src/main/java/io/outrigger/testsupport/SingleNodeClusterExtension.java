package io.outrigger.testsupport;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for test tier 5: the {@link SingleNodeCluster}, started by the first class that
 * needs it and shared by every tier-5 class of the test run (it lives in the root context's store,
 * which JUnit closes when the run ends; a shutdown hook tears it down if the JVM is stopped first).
 * Register it on a static field ({@code @RegisterExtension static SingleNodeClusterExtension kube =
 * new SingleNodeClusterExtension();}) and use {@link #cluster()} from {@code @BeforeAll} on. Needs
 * root; missing binaries fail under {@code CI=true} and skip elsewhere ({@link
 * Prerequisites#requireKubeNode()}). A failing test's output gets the tails of the logs.
 *
 * <p>The node's primary CNI is {@link PrimaryCni#configured()} (the system property {@value
 * PrimaryCni#PROPERTY}): the build runs the tier-5 classes once per primary, each in a test JVM of
 * its own (cli/pom.xml), so one cluster serves every class of a JVM.
 */
public final class SingleNodeClusterExtension implements BeforeAllCallback, AfterEachCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SingleNodeClusterExtension.class);

  private SingleNodeCluster cluster;

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    Prerequisites.requireRoot();
    PrimaryCni primary = PrimaryCni.configured();
    KubeNodeBinaries binaries = Prerequisites.requireKubeNode(primary);
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    SingleNodeCluster shared = store.get(SingleNodeCluster.class, SingleNodeCluster.class);
    // A class may have closed the shared cluster (the teardown test does): the next one gets a new
    // one.
    if (shared == null || !shared.running()) {
      shared = SingleNodeCluster.start(binaries, primary);
      store.put(SingleNodeCluster.class, shared);
    }
    cluster = shared;
  }

  /** The shared cluster; from this extension's beforeAll on. */
  public synchronized SingleNodeCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException(
          "SingleNodeClusterExtension: no cluster (register the extension on a"
              + " static field and use it from @BeforeAll or a test)");
    }
    return cluster;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    if (cluster != null && context.getExecutionException().isPresent()) {
      System.out.println(
          "===== "
              + cluster
              + " logs, for failed "
              + context.getDisplayName()
              + " =====\n"
              + cluster.logTail());
    }
  }
}
