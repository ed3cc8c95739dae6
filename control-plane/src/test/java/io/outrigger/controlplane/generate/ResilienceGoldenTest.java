package io.outrigger.controlplane.generate;

import com.google.protobuf.Message;
import io.outrigger.controlplane.testing.ProductpageGoldens;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bookinfo services and workloads with the Istio config of {@code
 * src/test/resources/resilience/<scenario>} (VirtualService route policies; DestinationRule traffic
 * policies): the productpage proxy's config against its golden, and accepted by the real {@code
 * envoy --mode validate}.
 */
class ResilienceGoldenTest {
  @TempDir static Path tmp;
  static List<? extends Message> secrets;

  @BeforeAll
  static void secrets() throws Exception {
    secrets = ProductpageGoldens.secrets(tmp);
  }

  @ParameterizedTest
  @ValueSource(strings = {"route-policies", "traffic-policies"})
  void matchesGoldenAndEnvoyAcceptsIt(String scenario) throws IOException {
    ProductpageGoldens.assertScenario(tmp, secrets, "resilience", scenario);
  }
}
