package io.outrigger.bench.xdsload;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.RepoRoot;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 4, in bench/xds-load's {@code istio} profile only (it needs istiod, which {@code
 * scripts/bootstrap.sh} does not build): the side-by-side benchmark itself at a size that takes
 * seconds, so that the harness cannot rot. The real {@link IstiodSideBySide} main in {@code
 * pod-network.sh}, against a real kube-apiserver + etcd, real istiod ({@code pilot-discovery}) and
 * the real {@code outrigger control-plane} in its own JVM: with each, every simulated sidecar must
 * hold a whole sidecar config (the main checks listeners 15001/15006, an EDS cluster per service
 * and route configs, and fails otherwise) and see the endpoint change and the change to every
 * route; then the ratios are printed. Not a timing test: the figures are not checked.
 */
class IstiodSideBySideTest {
  private static final Duration BOUND = Duration.ofMinutes(4);
  private static final int PROXIES = 20;

  @TempDir Path dir;

  @Test
  void bothControlPlanesGiveTheSameFleetWholeSidecarConfigsAndChanges() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("unshare");
    Prerequisites.requireCommand("ip");
    Prerequisites.requireKubeApiServer();
    Prerequisites.IstioParts istio = Prerequisites.requireIstio();
    String classpath = System.getProperty("java.class.path");
    Path root = RepoRoot.find().orElseThrow();
    List<String> command =
        new ArrayList<>(List.of(root.resolve("bench/xds-load/pod-network.sh").toString()));
    command.addAll(
        BenchmarkRun.javaCommand(
            classpath,
            IstiodSideBySide.class,
            "--services",
            "10",
            "--proxies",
            Integer.toString(PROXIES),
            "--endpoint-changes",
            "1",
            "--route-changes",
            "1",
            "--settle-seconds",
            "1",
            "--cli-classpath",
            classpath,
            "--cp-jvm-args",
            "-Xmx512m",
            "--pilot-discovery",
            istio.pilotDiscovery().toString(),
            "--istio-crds",
            istio.crds().toString(),
            "--timeout-seconds",
            "90"));

    BenchmarkRun run = BenchmarkRun.run(command, dir.resolve("benchmark.log"), BOUND);

    assertThat(run.exitCode()).as(run.output()).isZero();
    for (String name : List.of("istiod", "outrigger")) {
      assertThat(run.output())
          .as(run.output())
          .contains(name + ": " + PROXIES + "/" + PROXIES + " proxies hold a whole sidecar config")
          .containsPattern(name + ": endpoint change \\S+: converged " + PROXIES + "/" + PROXIES)
          .containsPattern(
              name
                  + ": change to every route \\(1 canaries: v2 weight \\d+\\): converged "
                  + PROXIES
                  + "/"
                  + PROXIES);
    }
    assertThat(run.output())
        .contains("istiod /debug/syncz lists " + PROXIES + " proxies")
        .containsPattern(
            "SIDE endpoint change p99 \\(ms, " + PROXIES + " samples\\) \\| \\d+ \\| \\d+ \\|")
        .contains("SIDE heap after a collection");
  }
}
