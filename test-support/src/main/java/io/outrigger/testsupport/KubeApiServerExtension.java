package io.outrigger.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for test tier 4: one real kube-apiserver (and its etcd) for the test class.
 * Register it as a static field ({@code @RegisterExtension static KubeApiServerExtension kube = new
 * KubeApiServerExtension();}) and use {@link #server()} from {@code @BeforeAll} on. Missing
 * binaries fail the class under {@code CI=true} and skip it elsewhere ({@link
 * Prerequisites#requireKubeApiServer()}). When a test fails, the tails of the etcd and API server
 * logs are printed to its output.
 */
public final class KubeApiServerExtension
    implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private KubeApiServer server;

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    server = KubeApiServer.start(Prerequisites.requireKubeApiServer());
  }

  /** The running server; only between this extension's beforeAll and afterAll. */
  public synchronized KubeApiServer server() {
    if (server == null) {
      throw new IllegalStateException(
          "KubeApiServerExtension: no API server is running (register the"
              + " extension on a static field and use it from @BeforeAll or a test)");
    }
    return server;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    if (server != null && context.getExecutionException().isPresent()) {
      System.out.println(
          "===== "
              + server
              + " logs, for failed "
              + context.getDisplayName()
              + " =====\n"
              + server.logTail());
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
