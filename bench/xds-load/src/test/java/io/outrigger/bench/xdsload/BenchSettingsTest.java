package io.outrigger.bench.xdsload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSettingsTest {

  @Test
  void theControlPlaneRunsWithTheChartsJvmOptionsUnlessTold() {
    String chart = BenchSettings.chartJvmOptions(BenchSettings.chartValues());

    assertThat(chart).contains("-XX:G1PeriodicGCInterval=").doesNotContain("-Xmx");
    assertThat(BenchSettings.parse(new String[0]).controlPlaneJvmArgs())
        .containsExactly(chart.split(" "));
    assertThat(
            BenchSettings.parse(new String[] {"--cp-jvm-args", "-Xmx512m -XX:+UseSerialGC"})
                .controlPlaneJvmArgs())
        .containsExactly("-Xmx512m", "-XX:+UseSerialGC");
  }

  @Test
  void valuesWithoutJvmOptionsAreNamedInTheError(@TempDir Path dir) throws IOException {
    Path values =
        Files.writeString(dir.resolve("values.yaml"), "controlPlane:\n  logLevel: INFO\n");

    assertThatThrownBy(() -> BenchSettings.chartJvmOptions(values))
        .hasMessageContaining(values.toString())
        .hasMessageContaining("controlPlane.jvmOptions");
  }
}
