package io.outrigger.cni.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.cni.testing.PluginImage;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both ways of running a tool in a pod netns behave alike: the plugin image's JNI library ({@link
 * NativeNetnsTool}) and its fallback, {@code nsenter} started by the JDK ({@link NsenterTool}).
 * Real netns, real iptables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetnsToolIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private PodNetwork network;
  private NetnsPod pod;

  @BeforeAll
  void wirePod() {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Prerequisites.requireCommand("iptables-restore");
    network = PodNetwork.create();
    pod = network.addPod(PodSpec.named("netnstool"));
  }

  @AfterAll
  void tearDown() {
    if (network != null) {
      network.close();
    }
  }

  /** The library the build put into the plugin image. */
  private static Path imageLibrary() {
    return PluginImage.binDir().resolve("outrigger-cni.d").resolve(NativeNetnsTool.LIBRARY);
  }

  static Stream<Arguments> tools() {
    Function<Duration, NetnsTool> nativeTool =
        timeout -> {
          NativeNetnsTool tool = NativeNetnsTool.load(imageLibrary(), timeout);
          assertThat(tool).as("the image's %s loads", imageLibrary()).isNotNull();
          return tool;
        };
    Function<Duration, NetnsTool> nsenter = timeout -> new NsenterTool(new CommandRunner(timeout));
    return Stream.of(Arguments.of("native", nativeTool), Arguments.of("nsenter", nsenter));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void writesAndReadsRulesInThePodNetnsOnly(String name, Function<Duration, NetnsTool> tools) {
    NetnsTool tool = tools.apply(TIMEOUT);
    String chain = "OUTRIGGER_TOOLTEST_" + name.toUpperCase(java.util.Locale.ROOT);
    CommandRunner.Result write =
        tool.run(
            pod.netnsPath(),
            List.of("iptables-restore", "-w", "5", "--noflush"),
            "*nat\n:" + chain + " - [0:0]\n-A " + chain + " -p tcp -j RETURN\nCOMMIT\n");
    try {
      assertThat(write.exitCode()).as("iptables-restore: %s", write.stdout()).isZero();
      assertThat(pod.exec("iptables-save", "-t", "nat").stdout())
          .contains("-A " + chain + " -p tcp -j RETURN");
      CommandRunner.Result read =
          tool.run(pod.netnsPath(), List.of("iptables-save", "-t", "nat"), null);
      assertThat(read.ok()).isTrue();
      assertThat(read.stdout()).contains(":" + chain + " - [0:0]");
      assertThat(read.command())
          .as("the tool, resolved")
          .anyMatch(a -> a.endsWith("/iptables-save"));
      CommandRunner.Result host =
          new CommandRunner(TIMEOUT).run(List.of("iptables-save", "-t", "nat"), null);
      assertThat(host.stdout()).as("the host's nat table").doesNotContain(chain);
    } finally {
      tool.run(
          pod.netnsPath(),
          List.of("iptables-restore", "-w", "5", "--noflush"),
          "*nat\n-F " + chain + "\n-X " + chain + "\nCOMMIT\n");
    }
    assertThat(pod.exec("iptables-save", "-t", "nat").stdout()).doesNotContain(chain);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void aFailingToolReportsItsExitCodeAndStderr(String name, Function<Duration, NetnsTool> tools) {
    CommandRunner.Result r =
        tools
            .apply(TIMEOUT)
            .run(
                pod.netnsPath(),
                List.of("iptables-restore", "-w", "5", "--noflush"),
                "*nat\n-A NO_SUCH_CHAIN -j RETURN\nCOMMIT\n");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).as("stderr, merged").contains("line 2 failed");
    assertThat(r.describe()).startsWith("iptables-restore exited " + r.exitCode() + ": ");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void aPathThatIsNotANetnsIsAFailedResultBeforeTheToolRuns(
      String name, Function<Duration, NetnsTool> tools, @TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-netns"), "x");
    Path missing = dir.resolve("no-such-netns");
    NetnsTool tool = tools.apply(TIMEOUT);
    for (Path netns : List.of(file, missing)) {
      CommandRunner.Result r = tool.run(netns, List.of("iptables-save", "-t", "nat"), null);
      assertThat(r.exitCode()).as("%s: %s", netns, r.stdout()).isEqualTo(1);
      assertThat(r.describe()).startsWith("iptables-save exited 1: ");
      assertThat(r.stderr()).as("the reason").isNotBlank();
    }
    assertThat(tool.run(missing, List.of("iptables-save"), null).stderr())
        .contains(missing.toString())
        .contains("No such file or directory");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void aToolThatCannotBeExecutedExits127(String name, Function<Duration, NetnsTool> tools) {
    CommandRunner.Result r =
        tools.apply(TIMEOUT).run(pod.netnsPath(), List.of("/nonexistent/outrigger-tool"), null);
    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.stderr()).contains("/nonexistent/outrigger-tool");
  }

  /**
   * More than a pipe holds (64 KiB) in, and out. (Not both at once: the fallback writes all of
   * stdin before it reads; rule texts are a few KiB.)
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void largeInputAndLargeOutputPassThrough(String name, Function<Duration, NetnsTool> tools) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= 50_000; i++) {
      sb.append(i).append('\n');
    }
    NetnsTool tool = tools.apply(TIMEOUT);
    CommandRunner.Result in = tool.run(pod.netnsPath(), List.of("wc", "-c"), sb.toString());
    assertThat(in.exitCode()).isZero();
    assertThat(in.stdout().strip()).isEqualTo(String.valueOf(sb.length()));
    CommandRunner.Result out = tool.run(pod.netnsPath(), List.of("seq", "1", "50000"), null);
    assertThat(out.exitCode()).isZero();
    assertThat(out.stdout()).isEqualTo(sb.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tools")
  void aToolThatOutlivesTheTimeoutIsKilled(String name, Function<Duration, NetnsTool> tools) {
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                tools
                    .apply(Duration.ofMillis(300))
                    .run(pod.netnsPath(), List.of("sleep", "10"), null))
        .isInstanceOf(CaptureException.class)
        .hasMessageMatching(".*(sleep|nsenter) did not finish within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aMissingOrBrokenLibraryMeansNoNativeTool(@TempDir Path dir) throws Exception {
    assertThat(NativeNetnsTool.load(dir.resolve(NativeNetnsTool.LIBRARY), TIMEOUT)).isNull();
    Path broken = Files.writeString(dir.resolve("broken.so"), "not an ELF file");
    assertThat(NativeNetnsTool.load(broken, TIMEOUT)).isNull();
  }
}
