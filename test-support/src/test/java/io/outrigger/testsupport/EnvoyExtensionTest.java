package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Envoys started during a test are gone after it; a bootstrap Envoy refuses fails fast with its
 * log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnvoyExtensionTest {

  @RegisterExtension final EnvoyExtension envoys = new EnvoyExtension();

  private final List<EnvoyProcess> startedEarlier = new ArrayList<>();

  @Test
  @Order(1)
  void startsEnvoyForTheTest(Envoys injected) {
    EnvoyProcess envoy =
        injected.start(EnvoyOptions.onHost(HostEnvoyTest.DIRECT_RESPONSE_BOOTSTRAP));
    assertThat(envoy.isAlive()).isTrue();
    startedEarlier.add(envoy);
  }

  @Test
  @Order(2)
  void envoyOfThePreviousTestWasStopped() {
    assertThat(startedEarlier).hasSize(1);
    EnvoyProcess previous = startedEarlier.get(0);
    assertThat(previous.isAlive()).isFalse();
    assertThat(ProcessHandle.of(previous.pid())).isEmpty();
    assertThat(previous.log()).contains("starting main dispatch loop");
  }

  @Test
  @Order(3)
  void envoyThatExitsAtStartFailsWithItsLog() {
    assertThatThrownBy(
            () ->
                envoys.start(
                    EnvoyOptions.onHost("static_resources: {clusters: [{name: x, bogus: 1}]}")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exited with code")
        .hasMessageContaining("bogus");
  }
}
