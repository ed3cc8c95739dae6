package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails half-way (here: the monitoring port is taken) leaves nothing running behind
 * it.
 */
class ControlPlaneStartFailureTest {

  @TempDir Path dir;

  @Test
  void aFailedStartReleasesThePortsAndThreadsItHadStarted() throws Exception {
    Path registry = Files.createDirectory(dir.resolve("registry"));
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    int tlsPort = freeLoopbackPort();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      ControlPlaneSettings settings =
          ControlPlaneSettings.forTests(registry, dir.resolve("ca"))
              .withPorts(-1, tlsPort, taken.getLocalPort());

      assertThatThrownBy(() -> ControlPlane.start(settings))
          .hasMessageContaining("monitoring port")
          .hasMessageContaining(":" + taken.getLocalPort());
    }

    // The TLS xDS port had been bound before the monitoring port failed: it must be free again.
    try (ServerSocket rebound = new ServerSocket(tlsPort, 50, InetAddress.getLoopbackAddress())) {
      assertThat(rebound.getLocalPort()).isEqualTo(tlsPort);
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(newThreadsNamed(before, "file-registry-watch", "outrigger-push"))
                    .as("threads the failed start left running")
                    .isEmpty());
  }

  private static Set<String> newThreadsNamed(Set<Thread> before, String... prefixes) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .map(Thread::getName)
        .filter(name -> Set.of(prefixes).stream().anyMatch(name::startsWith))
        .collect(Collectors.toSet());
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
