package io.outrigger.bench.xdsload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --policies compare} run of {@link XdsLoadBenchmark} at a size that takes seconds: the
 * real main, the real {@code outrigger control-plane} in its own JVM (file registry, plaintext ADS
 * on loopback), twice. The mesh with retries, outlier detection, AuthorizationPolicies and Sidecars
 * must be accepted whole (the benchmark itself stops on any {@code config_rejected} or NACK), its
 * scoped proxies must get fewer clusters than the unscoped ones, and the policies must reach the
 * config (bigger clusters and listeners than the plain mesh's). Not a timing test: latencies and
 * heap are printed, not checked.
 */
class XdsLoadPoliciesTest {
  private static final Duration BOUND = Duration.ofMinutes(5);
  private static final int SERVICES = 20;

  @TempDir Path dir;

  @Test
  void thePolicyMeshIsAcceptedWholeAndItsScopedProxiesGetLess() throws Exception {
    String classpath = System.getProperty("java.class.path");
    List<String> command =
        BenchmarkRun.javaCommand(
            classpath,
            XdsLoadBenchmark.class,
            "--policies",
            "compare",
            "--services",
            Integer.toString(SERVICES),
            "--proxies",
            Integer.toString(SERVICES),
            "--endpoint-changes",
            "1",
            "--route-changes",
            "1",
            "--cli-classpath",
            classpath,
            "--cp-jvm-args",
            "-Xmx256m",
            "--timeout-seconds",
            "60");

    String output = run(command);

    assertThat(output)
        .contains("config rejected by the control plane (policies): 0")
        .contains("NACKs sent by simulated proxies: 0")
        .contains("COMPARE endpoint change p99 ms")
        .containsPattern("converged " + SERVICES + "/" + SERVICES + ",");
    // 20 services in 10 namespaces: an unscoped proxy has all 20 outbound clusters, one scoped to
    // its namespace and the shared one has 4.
    long unscopedClusters = resources(output, "unscoped", "CDS");
    long scopedClusters = resources(output, "scoped", "CDS");
    assertThat(scopedClusters).isPositive().isLessThan(unscopedClusters);
    assertThat(unscopedClusters - scopedClusters).isEqualTo((SERVICES - 4) * 2L);
    assertThat(ratio(output, "bytes per unscoped proxy CDS")).isGreaterThan(1.0);
    // AuthorizationPolicies add RBAC to inbound listeners; connectionPool and outlierDetection add
    // circuit breakers and outlier detection to clusters. (Routes need not grow: a written retry
    // policy replaces the default one every route carries.)
    assertThat(ratio(output, "bytes per unscoped proxy LDS")).isGreaterThan(1.0);
    assertThat(ratio(output, "bytes per scoped proxy, all four")).isLessThan(1.0);
  }

  private static long resources(String output, String kind, String type) {
    Matcher m =
        Pattern.compile(
                "initial config per "
                    + kind
                    + " proxy: bytes \\{[^}]*\\}; resources \\{[^}]*"
                    + type
                    + "=(\\d+)")
            .matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static double ratio(String output, String row) {
    Matcher m =
        Pattern.compile("COMPARE " + Pattern.quote(row) + "[^:]*: \\d+ \\| \\d+ \\| ([0-9.]+)")
            .matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private String run(List<String> command) throws IOException, InterruptedException {
    BenchmarkRun run = BenchmarkRun.run(command, dir.resolve("benchmark.log"), BOUND);
    assertThat(run.exitCode()).as(run.output()).isZero();
    return run.output();
  }
}
