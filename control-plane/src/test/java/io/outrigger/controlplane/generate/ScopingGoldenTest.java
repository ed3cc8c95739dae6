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
 * What productpage's proxy may reach, one golden per scenario shape of {@code
 * src/test/resources/scoping/}: ServiceEntries of each resolution and location; a Sidecar scoping
 * its egress (REGISTRY_ONLY); exportTo hiding objects from its namespace; Sidecar ingress listeners
 * (ports, default endpoints, connection pools, under STRICT mTLS and an AuthorizationPolicy);
 * egress listeners per port; an egress proxy for unknown destinations.
 */
class ScopingGoldenTest {
  @TempDir static Path tmp;
  static List<? extends Message> secrets;

  @BeforeAll
  static void secrets() throws Exception {
    secrets = ProductpageGoldens.secrets(tmp);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "service-entry",
        "sidecar-egress",
        "export-to",
        "sidecar-ingress",
        "sidecar-egress-ports",
        "sidecar-egress-proxy"
      })
  void matchesGoldenAndEnvoyAcceptsIt(String scenario) throws IOException {
    ProductpageGoldens.assertScenario(tmp, secrets, "scoping", scenario);
  }
}
