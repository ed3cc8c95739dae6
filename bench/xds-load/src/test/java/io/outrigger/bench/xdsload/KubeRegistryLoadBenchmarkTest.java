package io.outrigger.bench.xdsload;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.RepoRoot;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 4: the Kubernetes-registry benchmark itself, at a size that takes seconds, so that a
 * change to how sidecars connect to a control plane with an API server cannot leave the benchmark
 * unable to connect again (it once waited forever for a plaintext port such a control plane no
 * longer opens). The real {@link KubeRegistryLoadBenchmark} main in {@code pod-network.sh}, as
 * BENCHMARKS.md runs it, against a real kube-apiserver + etcd and the real {@code outrigger
 * control-plane} command in its own JVM: each simulated sidecar dials the TLS port from its pod's
 * IP with a pod-bound TokenRequest token, must get its whole config, and must see one endpoint
 * change. Not a timing test: the figures it prints are not checked.
 */
class KubeRegistryLoadBenchmarkTest {
  private static final Duration BOUND = Duration.ofMinutes(4);
  private static final int PROXIES = 4;

  @TempDir Path dir;

  @Test
  void aSmallFleetWithPodBoundTokensSyncsOverTlsAndSeesAnEndpointChange() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("unshare");
    Prerequisites.requireCommand("ip");
    Prerequisites.requireKubeApiServer();
    String classpath = System.getProperty("java.class.path");
    List<String> command = new ArrayList<>(List.of(podNetworkScript().toString()));
    command.addAll(
        benchmark(
            classpath,
            "--services",
            "6",
            "--proxies",
            Integer.toString(PROXIES),
            "--endpoint-changes",
            "1",
            "--cli-classpath",
            classpath,
            "--cp-jvm-args",
            "-Xmx512m",
            "--timeout-seconds",
            "90",
            "--idle-seconds",
            "1"));

    BenchmarkRun run = run(command);

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output())
        .contains(PROXIES + " pod-bound TokenRequest tokens (audience outrigger")
        .contains(
            "initial sync of " + PROXIES + " proxies (TLS, pod-bound tokens, from their pod IPs)")
        .containsPattern(
            "endpoint change outbound\\|9080\\|\\|svc-\\d+\\.bench-\\d+\\.svc\\.cluster\\.local: converged "
                + PROXIES
                + "/"
                + PROXIES
                + ",")
        .contains("NACKs sent by simulated proxies: 0");
  }

  /**
   * Without the pods' addresses it cannot admit a single proxy; it says so before starting anything
   * instead of failing every stream later.
   */
  @Test
  void outsideThePodNetworkItStopsAtOnceNamingWhatToRunItIn() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("unshare");
    // A fresh network namespace with loopback up but without the pods' route: 198.18.0.0/15 is
    // surely not local there, whatever other tests have put in the host's.
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--net",
                "--",
                "sh",
                "-c",
                "ip link set lo up && exec \"$@\"",
                "no-pod-network"));
    command.addAll(
        benchmark(System.getProperty("java.class.path"), "--services", "2", "--proxies", "2"));

    BenchmarkRun run = run(command);

    assertThat(run.exitCode()).as(run.output()).isNotZero();
    assertThat(run.output())
        .contains("cannot use pod IP " + KubeMesh.firstSidecarAddress())
        .contains("pod-network.sh")
        .doesNotContain("kube_apiserver_ready");
  }

  private static List<String> benchmark(String classpath, String... args) {
    return BenchmarkRun.javaCommand(classpath, KubeRegistryLoadBenchmark.class, args);
  }

  private static Path podNetworkScript() {
    Path script =
        RepoRoot.find()
            .orElseThrow(() -> new IllegalStateException("no repository root above " + Path.of("")))
            .resolve("bench/xds-load/pod-network.sh");
    assertThat(script).isExecutable();
    return script;
  }

  private BenchmarkRun run(List<String> command) throws IOException, InterruptedException {
    return BenchmarkRun.run(command, dir.resolve("benchmark.log"), BOUND);
  }
}
