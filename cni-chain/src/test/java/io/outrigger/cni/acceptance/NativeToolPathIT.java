package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.capture.NativeNetnsTool;
import io.outrigger.cni.testing.PluginImage;
import io.outrigger.cni.testing.TempDirs;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Which tools the plugin image runs, and how. It enters the pod netns through its JNI library, and
 * falls back to {@code nsenter} when the library is not there: the same ADD, CHECK and DEL, the
 * same error objects. An {@code nsenter} ahead on PATH that always fails tells which way a run
 * went; iptables tools ahead on PATH that log each run and hand over to the real ones count DEL's
 * tool runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeToolPathIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final ObjectMapper json = new ObjectMapper();
  private final CommandRunner host = new CommandRunner(TIMEOUT);
  private Path work;
  private Path withoutLibrary;
  private Path failingNsenter;
  private PodNetwork network;
  private NetnsPod pod;

  @BeforeAll
  void setUp() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Prerequisites.requireCommand("iptables-restore");
    work = Files.createTempDirectory("outrigger-cni-native");
    withoutLibrary = work.resolve("image-without-library");
    CommandRunner.Result copy =
        host.run(
            List.of("cp", "-a", PluginImage.binDir().toString(), withoutLibrary.toString()), null);
    assertThat(copy.exitCode()).as("copy the plugin image: %s", copy.stdout()).isZero();
    Path library = withoutLibrary.resolve("outrigger-cni.d").resolve(NativeNetnsTool.LIBRARY);
    assertThat(library).as("the build ships the library in the image").isRegularFile();
    Files.delete(library);
    failingNsenter = Files.createDirectory(work.resolve("failing-nsenter"));
    Path nsenter = failingNsenter.resolve("nsenter");
    Files.writeString(nsenter, "#!/bin/sh\necho \"test double: nsenter $*\" >&2\nexit 99\n");
    Files.setPosixFilePermissions(nsenter, PosixFilePermissions.fromString("rwxr-xr-x"));
    network = PodNetwork.create();
    pod = network.addPod(PodSpec.named("nativepath"));
  }

  @AfterEach
  void removeRules() {
    call(PluginImage.binDir(), "DEL", pod.netnsPath(), null);
    assertThat(natRules()).doesNotContain("OUTRIGGER");
  }

  @AfterAll
  void tearDown() throws Exception {
    TempDirs.closeThenDelete(network, work);
  }

  @Test
  void theImageWritesAndRemovesTheRulesWithoutNsenter() throws Exception {
    CommandRunner.Result add = call(PluginImage.binDir(), "ADD", pod.netnsPath(), failingNsenter);
    assertThat(add.exitCode())
        .as("ADD with a failing nsenter first on PATH: %s", add.stdout())
        .isZero();
    assertThat(json.readTree(add.stdout())).isEqualTo(pod.cniResult());
    assertThat(natRules()).contains("-A OUTPUT -p tcp -j OUTRIGGER_OUTPUT");
    CommandRunner.Result check =
        call(PluginImage.binDir(), "CHECK", pod.netnsPath(), failingNsenter);
    assertThat(check.exitCode()).as("CHECK: %s", check.stdout()).isZero();
    CommandRunner.Result del = call(PluginImage.binDir(), "DEL", pod.netnsPath(), failingNsenter);
    assertThat(del.exitCode()).as("DEL: %s", del.stdout()).isZero();
    assertThat(natRules()).doesNotContain("OUTRIGGER");
  }

  @Test
  void withoutTheLibraryThePluginRunsNsenter() throws Exception {
    CommandRunner.Result failing = call(withoutLibrary, "ADD", pod.netnsPath(), failingNsenter);
    assertThat(failing.exitCode()).isEqualTo(1);
    JsonNode error = json.readTree(failing.stdout());
    assertThat(error.path("msg").asText())
        .contains("exited 99: test double: nsenter --net=" + pod.netnsPath());
    assertThat(natRules()).doesNotContain("OUTRIGGER");

    CommandRunner.Result add = call(withoutLibrary, "ADD", pod.netnsPath(), null);
    assertThat(add.exitCode()).as("ADD through nsenter: %s", add.stdout()).isZero();
    assertThat(natRules()).contains("-A OUTPUT -p tcp -j OUTRIGGER_OUTPUT");
    assertThat(call(withoutLibrary, "CHECK", pod.netnsPath(), null).exitCode()).isZero();
    assertThat(call(withoutLibrary, "DEL", pod.netnsPath(), null).exitCode()).isZero();
    assertThat(natRules()).doesNotContain("OUTRIGGER");
  }

  /** A CNI_NETNS that exists but is no netns: the same CNI error object either way. */
  @Test
  void aPathThatIsNoNetnsGivesTheSameErrorObjectBothWays() throws Exception {
    Path notNetns = Files.writeString(work.resolve("not-a-netns"), "x");
    JsonNode viaLibrary = json.readTree(call(PluginImage.binDir(), "ADD", notNetns, null).stdout());
    JsonNode viaNsenter = json.readTree(call(withoutLibrary, "ADD", notNetns, null).stdout());
    String prefix =
        "pod default/nativepath: netns "
            + notNetns
            + ": cannot read IPV4 nat table: iptables-save exited 1: ";
    for (JsonNode error : List.of(viaLibrary, viaNsenter)) {
      assertThat(error.path("code").asInt()).as("%s", error).isEqualTo(100);
      assertThat(error.path("msg").asText()).startsWith(prefix).endsWith("Invalid argument");
      assertThat(error.path("details").asText())
          .isEqualTo("no capture rule was left in the pod netns");
    }
    assertThat(viaLibrary.path("msg").asText()).contains("cannot enter netns " + notNetns);
  }

  /**
   * DEL of a pod whose annotations say "not captured" reads the table first (one run when nothing
   * is there); of a captured pod it tries the removal transaction first (one run when ADD's rules
   * are there). The annotations only order the runs: a wrong guess still removes everything.
   */
  @Test
  void delReadsFirstForAPodThatLooksUncapturedAndStillRemovesEverything() throws Exception {
    Path loggingTools = Files.createDirectory(work.resolve("logging-tools"));
    Path runs = work.resolve("tool-runs.log");
    for (String tool : List.of("iptables-restore", "iptables-save")) {
      Path real =
          List.of(Path.of("/usr/sbin", tool), Path.of("/sbin", tool)).stream()
              .filter(Files::isExecutable)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no " + tool + " in /usr/sbin or /sbin"));
      Path wrapper = loggingTools.resolve(tool);
      Files.writeString(
          wrapper,
          "#!/bin/sh\n# Test double: logs the run, then the real tool does the work.\necho "
              + tool
              + " >> "
              + runs
              + "\nexec "
              + real
              + " \"$@\"\n");
      Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ObjectNode uncaptured =
        PluginImage.conf(work.resolve("cni.log"))
            .put("cniVersion", "1.0.0")
            .put("name", "nativepath");
    uncaptured
        .putObject("runtimeConfig")
        .putObject("io.kubernetes.cri.pod-annotations")
        .put("app", "web");
    uncaptured.set("prevResult", pod.cniResult());

    assertThat(call(PluginImage.binDir(), "ADD", pod.netnsPath(), null).exitCode()).isZero();
    Files.deleteIfExists(runs);
    CommandRunner.Result del =
        call(PluginImage.binDir(), "DEL", pod.netnsPath(), loggingTools, uncaptured.toString());
    assertThat(del.exitCode()).as("DEL: %s", del.stdout()).isZero();
    assertThat(natRules())
        .as("rules written for a captured pod, removed by an uncaptured-looking DEL")
        .doesNotContain("OUTRIGGER");
    assertThat(Files.readAllLines(runs)).containsExactly("iptables-save", "iptables-restore");

    Files.delete(runs);
    assertThat(
            call(PluginImage.binDir(), "DEL", pod.netnsPath(), loggingTools, uncaptured.toString())
                .exitCode())
        .isZero();
    assertThat(Files.readAllLines(runs))
        .as("nothing there: one read")
        .containsExactly("iptables-save");

    assertThat(call(PluginImage.binDir(), "ADD", pod.netnsPath(), null).exitCode()).isZero();
    Files.delete(runs);
    assertThat(call(PluginImage.binDir(), "DEL", pod.netnsPath(), loggingTools).exitCode())
        .isZero();
    assertThat(natRules()).doesNotContain("OUTRIGGER");
    assertThat(Files.readAllLines(runs))
        .as("a captured pod: one removal transaction")
        .containsExactly("iptables-restore");
  }

  private CommandRunner.Result call(Path image, String command, Path netns, Path pathFirst) {
    return call(
        image,
        command,
        netns,
        pathFirst,
        PluginImage.runtimeStdin(work.resolve("cni.log"), "nativepath", "1.0.0", pod.cniResult()));
  }

  private CommandRunner.Result call(
      Path image, String command, Path netns, Path pathFirst, String stdin) {
    return host.run(
        PluginImage.commandLine(
            image, command, "nativepath", netns, "default/nativepath", pathFirst),
        stdin);
  }

  private String natRules() {
    return pod.exec("iptables-save", "-t", "nat").stdout();
  }
}
