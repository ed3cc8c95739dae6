package io.outrigger.bench.xdsload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run measures. Every loop is bounded: a fixed number of changes, each with a timeout.
 *
 * @param services services in the generated registry (one workload each)
 * @param proxies simulated sidecars, one per workload (at most {@code services}, except for {@link
 *     #parseAnyShape})
 * @param endpointChanges single-endpoint changes measured
 * @param routeChanges every-route changes measured
 * @param cliLauncher how {@code java} runs the {@code outrigger} CLI whose {@code control-plane}
 *     command is measured: {@code -jar} the jar of {@code --cli-jar}, or, with {@code
 *     --cli-classpath CP}, {@code -cp CP io.outrigger.cli.Outrigger}
 * @param controlPlaneJvmArgs JVM options of the control plane: {@code --cp-jvm-args}, by default
 *     the chart's {@code controlPlane.jvmOptions} (what the product's container runs with)
 * @param timeout bound on the initial sync and on each change's convergence
 * @param changesRecording if set, a JFR recording (profile settings) of the control plane covering
 *     only the measured changes, not the initial sync, is written there
 * @param keepWork keep the generated registry, CA and control-plane log after the run
 * @param idleWindow how long the API server's idle request rate is counted (kube registry)
 * @param policies {@code off}: the plain generated mesh; {@code on}: the mesh with policies and
 *     Sidecars ({@link GeneratedMesh}); {@code compare}: the plain mesh, then the mesh with
 *     policies, each with its own control plane, and their ratios (file registry)
 */
record BenchSettings(
    int services,
    int proxies,
    int endpointChanges,
    int routeChanges,
    List<String> cliLauncher,
    List<String> controlPlaneJvmArgs,
    Duration timeout,
    Path changesRecording,
    boolean keepWork,
    Duration idleWindow,
    Policies policies) {

  /** Which generated mesh {@code XdsLoadBenchmark} measures. */
  enum Policies {
    OFF,
    ON,
    COMPARE
  }

  static final String CLI_MAIN_CLASS = "io.outrigger.cli.Outrigger";

  /** The chart's values, whose {@code controlPlane.jvmOptions} the product runs with. */
  static final Path CHART_VALUES = Path.of("manifests/charts/outrigger/values.yaml");

  /** {@link #CHART_VALUES} in the working directory or the nearest parent that has it. */
  static Path chartValues() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(CHART_VALUES))) {
        return dir.resolve(CHART_VALUES);
      }
    }
    return CHART_VALUES;
  }

  /**
   * The JVM options the chart gives the control plane ({@code controlPlane.jvmOptions}): the
   * default of {@code --cp-jvm-args}, so the benchmarks measure the JVM as it is shipped.
   */
  static String chartJvmOptions(Path values) {
    try {
      JsonNode options =
          new ObjectMapper(new YAMLFactory())
              .readTree(values.toFile())
              .at("/controlPlane/jvmOptions");
      if (!options.isTextual()) {
        throw new IllegalArgumentException(
            "xds-load: " + values + " has no string controlPlane.jvmOptions; pass --cp-jvm-args");
      }
      return options.asText();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "xds-load: cannot read the chart's JVM options from "
              + values.toAbsolutePath()
              + " (run from the repository, or pass --cp-jvm-args)",
          e);
    }
  }

  /** Options of a benchmark with one simulated sidecar per workload (PROXIES ≤ SERVICES). */
  static BenchSettings parse(String[] args) {
    BenchSettings settings = parseAnyShape(args);
    if (settings.proxies() > settings.services()) {
      throw new IllegalArgumentException(
          "xds-load: --proxies "
              + settings.proxies()
              + " exceeds --services "
              + settings.services()
              + " (one simulated sidecar per workload)");
    }
    return settings;
  }

  /**
   * Options with no rule between proxies and services: the caller checks its own (several proxy
   * pods per service in {@link KubeMesh#proxyPods}).
   */
  static BenchSettings parseAnyShape(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException(
            "xds-load: expected --option value, got '" + args[i] + "'");
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    if (args.length % 2 != 0) {
      throw new IllegalArgumentException(
          "xds-load: option " + args[args.length - 1] + " has no value");
    }
    int services = Integer.parseInt(options.getOrDefault("services", "1000"));
    int proxies = Integer.parseInt(options.getOrDefault("proxies", "1000"));
    return new BenchSettings(
        services,
        proxies,
        Integer.parseInt(options.getOrDefault("endpoint-changes", "10")),
        Integer.parseInt(options.getOrDefault("route-changes", "3")),
        options.containsKey("cli-classpath")
            ? List.of("-cp", options.get("cli-classpath"), CLI_MAIN_CLASS)
            : List.of(
                "-jar",
                Path.of(options.getOrDefault("cli-jar", "cli/target/outrigger.jar"))
                    .toAbsolutePath()
                    .toString()),
        Arrays.stream(
                (options.containsKey("cp-jvm-args")
                        ? options.get("cp-jvm-args")
                        : chartJvmOptions(chartValues()))
                    .split(" "))
            .filter(s -> !s.isBlank())
            .toList(),
        Duration.ofSeconds(Long.parseLong(options.getOrDefault("timeout-seconds", "300"))),
        options.containsKey("jfr-changes")
            ? Path.of(options.get("jfr-changes")).toAbsolutePath()
            : null,
        Boolean.parseBoolean(options.getOrDefault("keep-work", "false")),
        Duration.ofSeconds(Long.parseLong(options.getOrDefault("idle-seconds", "30"))),
        policies(options.getOrDefault("policies", "off")));
  }

  private static Policies policies(String value) {
    try {
      return Policies.valueOf(value.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "xds-load: --policies must be off, on or compare, got '" + value + "'", e);
    }
  }
}
