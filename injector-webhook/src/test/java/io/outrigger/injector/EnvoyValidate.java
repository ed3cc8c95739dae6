package io.outrigger.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code envoy --mode validate} on a bootstrap. Stand-in until test-support's EnvoyValidator
 * lands; then every caller switches to it and this class goes.
 */
public final class EnvoyValidate {

  private EnvoyValidate() {}

  /** Validates a bootstrap (YAML or JSON) and fails with Envoy's output if rejected. */
  public static void validateBootstrap(String bootstrap) {
    Path envoy = Prerequisites.requireEnvoy();
    List<String> command =
        new ArrayList<>(
            List.of(envoy.toString(), "--mode", "validate", "--config-yaml", bootstrap));
    command.addAll(List.of("--log-level", "warn"));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      boolean done = process.waitFor(60, TimeUnit.SECONDS);
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!done) {
        process.destroyForcibly();
      }
      assertThat(done).as("envoy --mode validate finished within 60 s").isTrue();
      assertThat(process.exitValue())
          .as("envoy --mode validate rejected the sidecar configuration:%n%s", output)
          .isZero();
    } catch (IOException e) {
      throw new AssertionError("cannot run " + envoy + " --mode validate", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while validating with Envoy", e);
    }
  }
}
