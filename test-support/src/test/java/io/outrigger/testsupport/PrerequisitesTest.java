package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PrerequisitesTest {

  @Test
  void missingPrerequisiteFailsUnderCiNamingWhatIsMissing() {
    assertThatThrownBy(() -> Prerequisites.missing("CNI plugins [bridge]", true))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("CNI plugins [bridge]")
        .hasMessageContaining("CI=true");
  }

  @Test
  void missingPrerequisiteSkipsOutsideCiWithTheReason() {
    assertThatThrownBy(() -> Prerequisites.missing("root", false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("prerequisite missing: root");
  }

  @Test
  void findsTheEnvoyTheBootstrapInstalled() {
    assertThat(Prerequisites.requireEnvoy())
        .satisfies(envoy -> assertThat(Files.isExecutable(envoy)).isTrue());
  }

  @Test
  void absentCniPluginIsReported() {
    assertThat(Prerequisites.findCniPlugin("no-such-plugin-outrigger")).isEmpty();
    assertThat(Prerequisites.findCniPlugin("bridge")).isPresent();
  }
}
