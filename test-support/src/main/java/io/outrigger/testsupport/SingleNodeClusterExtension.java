package io.outrigger.testsupport;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for test tier 5: the {@link SingleNodeCluster}, started by the first class that needs it
 * and shared by every tier-5 class of the test run (it lives in the root context's store, which JUnit closes
 * when the run ends; a shutdown hook tears it down if the JVM is stopped first). Register it on a static field
 * ({@code @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();}) and use
 * {@link #cluster()} from {@code @BeforeAll} on. Needs root; missing binaries fail under {@code CI=true} and skip
 * elsewhere ({@link Prerequisites#requireKubeNode()}). A failing test's output gets the tails of the logs.
 */
public final class SingleNodeClusterExtension implements BeforeAllCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SingleNodeClusterExtension.class);

    private SingleNodeCluster cluster;

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        Prerequisites.requireRoot();
        KubeNodeBinaries binaries = Prerequisites.requireKubeNode();
        cluster = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SingleNodeCluster.class,
                key -> SingleNodeCluster.start(binaries), SingleNodeCluster.class);
    }

    /** The shared cluster; from this extension's beforeAll on. */
    public synchronized SingleNodeCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("SingleNodeClusterExtension: no cluster (register the extension on a"
                    + " static field and use it from @BeforeAll or a test)");
        }
        return cluster;
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (cluster != null && context.getExecutionException().isPresent()) {
            System.out.println("===== " + cluster + " logs, for failed " + context.getDisplayName() + " =====\n"
                    + cluster.logTail());
        }
    }
}
