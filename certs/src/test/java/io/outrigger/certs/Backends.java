package io.outrigger.certs;

import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** The CA's crypto backends as a test prerequisite: BoringSSL needs Conscrypt's native library. */
final class Backends {

  private Backends() {}

  /**
   * Settings that run the CA on {@code backend}. Under {@code CI=true} a missing native library
   * fails the test, naming it; elsewhere the test is skipped with that reason (the project rule of
   * test-support's Prerequisites, for a prerequisite it does not know).
   */
  static CaSettings settings(CryptoBackend backend) {
    if (backend == CryptoBackend.BORINGSSL && !Conscrypt.isAvailable()) {
      String message =
          "prerequisite missing: BoringSSL (Conscrypt's JNI library for "
              + System.getProperty("os.name")
              + "/"
              + System.getProperty("os.arch")
              + ")";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(message + " (CI=true: missing prerequisites fail the suite)");
      }
      System.err.println("!!! SKIPPED: " + message);
      Assumptions.abort(message);
    }
    return CaSettings.defaults().withCrypto(backend);
  }
}
