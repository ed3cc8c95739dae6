package io.outrigger.cni.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.cni.testing.Golden;
import io.outrigger.cni.testing.IptablesSave;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code outrigger capture apply|remove} on a pod wired without the plugin (the host-mode and
 * init-container path): the same rules land in the pod, and only there.
 */
class CaptureCommandIT {
  @TempDir Path dir;

  /** Runs the command; its failure (picocli prints the exception) becomes the assertion message. */
  private static int run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new CaptureCommand());
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    assertThat(exit).as("capture %s: %s", String.join(" ", args), err).isZero();
    return exit;
  }

  @Test
  void applyWritesThePluginsRulesFromAPodManifestAndRemoveTakesThemAway() throws Exception {
    Prerequisites.requireRoot();
    Path manifest = dir.resolve("pod.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: reviews-v2
          annotations:
            outrigger.io/status: '{"version":"host-mode"}'
            traffic.sidecar.istio.io/excludeInboundPorts: "8443"
        """);
    try (PodNetwork network = PodNetwork.create();
        NetnsPod pod = network.addPod(PodSpec.named("host-mode"))) {
      String hostBefore =
          new io.outrigger.cni.capture.CommandRunner(java.time.Duration.ofSeconds(10))
              .run(java.util.List.of("iptables-save", "-t", "nat"), null)
              .stdout();

      assertThat(
              run(
                  "apply",
                  "--netns",
                  pod.netnsPath().toString(),
                  "--annotations",
                  manifest.toString(),
                  "--pod",
                  "default/reviews-v2"))
          .isZero();

      Golden.assertMatches(
          "pod/capture-apply.iptables-save",
          IptablesSave.normalise(pod.exec("iptables-save", "-t", "nat").stdout()));
      assertThat(
              run(
                  "apply",
                  "--netns",
                  pod.netnsPath().toString(),
                  "--annotations",
                  manifest.toString()))
          .as("re-apply")
          .isZero();
      assertThat(
              pod.exec("iptables-save", "-t", "nat")
                  .stdout()
                  .lines()
                  .filter("-A PREROUTING -p tcp -j OUTRIGGER_INBOUND"::equals))
          .hasSize(1);
      assertThat(
              IptablesSave.normalise(
                  new io.outrigger.cni.capture.CommandRunner(java.time.Duration.ofSeconds(10))
                      .run(java.util.List.of("iptables-save", "-t", "nat"), null)
                      .stdout()))
          .isEqualTo(IptablesSave.normalise(hostBefore));

      assertThat(run("remove", "--netns", pod.netnsPath().toString())).isZero();
      assertThat(pod.exec("iptables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");
    }
  }

  @Test
  void applyOnAPodTheInjectorDidNotTouchWritesNothing() throws Exception {
    Prerequisites.requireRoot();
    Path annotations = dir.resolve("annotations.json");
    Files.writeString(annotations, "{\"app\":\"web\"}");
    try (PodNetwork network = PodNetwork.create();
        NetnsPod pod = network.addPod(PodSpec.named("plain"))) {
      assertThat(
              run(
                  "apply",
                  "--netns",
                  pod.netnsPath().toString(),
                  "--annotations",
                  annotations.toString()))
          .isZero();
      assertThat(pod.exec("iptables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");
    }
  }
}
