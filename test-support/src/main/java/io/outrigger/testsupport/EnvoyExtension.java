package io.outrigger.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts real Envoys and always stops them. Register it as a static field
 * ({@code @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();}) to start Envoys
 * in {@code @BeforeAll} that live for the class; Envoys started during a test are stopped after
 * that test. When a test fails, the log of every Envoy it could see is printed to the test's
 * output. Test methods may also take an {@link Envoys} parameter.
 */
public final class EnvoyExtension
    implements Envoys, BeforeEachCallback, AfterEachCallback, AfterAllCallback, ParameterResolver {

  private final List<EnvoyProcess> classScoped = new ArrayList<>();
  private final List<EnvoyProcess> testScoped = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::stopAll, "outrigger-envoy-shutdown");
  private boolean inTest;
  private boolean hookInstalled;

  @Override
  public synchronized EnvoyProcess start(EnvoyOptions options) {
    if (!hookInstalled) {
      EnvoyProcess.killOrphans();
    }
    EnvoyProcess envoy = EnvoyProcess.start(options, Prerequisites.requireEnvoy());
    (inTest ? testScoped : classScoped).add(envoy);
    if (!hookInstalled) {
      // Last resort when the JVM is stopped mid-test: no Envoy may outlive the test run.
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      hookInstalled = true;
    }
    return envoy;
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    inTest = false;
    if (context.getExecutionException().isPresent()) {
      printLogs(context, testScoped);
      printLogs(context, classScoped);
    }
    stop(testScoped);
    removeHookWhenIdle();
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (context.getExecutionException().isPresent()) {
      printLogs(context, classScoped);
    }
    stop(classScoped);
    removeHookWhenIdle();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Envoys.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return this;
  }

  private static void printLogs(ExtensionContext context, List<EnvoyProcess> envoys) {
    for (EnvoyProcess envoy : envoys) {
      System.out.println(
          "===== " + envoy + " log, for failed " + context.getDisplayName() + " =====");
      System.out.println(envoy.log());
      System.out.println("===== end of " + envoy + " log =====");
    }
  }

  private static void stop(List<EnvoyProcess> envoys) {
    for (EnvoyProcess envoy : envoys) {
      envoy.close();
    }
    envoys.clear();
  }

  private synchronized void stopAll() {
    stop(testScoped);
    stop(classScoped);
  }

  private void removeHookWhenIdle() {
    if (hookInstalled && testScoped.isEmpty() && classScoped.isEmpty()) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook runs anyway.
      }
      hookInstalled = false;
    }
  }
}
