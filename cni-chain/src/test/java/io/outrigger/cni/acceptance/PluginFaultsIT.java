package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.cni.capture.CommandRunner;
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
 * Faults around the plugin's ADD, on a pod the real chain wired without our plugin (each test calls
 * it directly, as the runtime would): the log file's disk full, and the plugin killed by SIGKILL
 * while it writes the rules. One pod for the class; each test removes the rules it made.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginFaultsIT {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);
  private final ObjectMapper json = new ObjectMapper();
  private final CommandRunner host = new CommandRunner(TOOL_TIMEOUT);
  private Path work;
  private PodNetwork network;
  private NetnsPod pod;

  @BeforeAll
  void wirePod() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Prerequisites.requireCommand("iptables-restore");
    work = Files.createTempDirectory("outrigger-cni-faults");
    network = PodNetwork.create();
    pod = network.addPod(PodSpec.named("faults"));
  }

  @AfterEach
  void removeRules() {
    PluginImage.invoke(
        "DEL", "faults", pod.netnsPath(), "default/faults", stdin(work.resolve("cni.log")));
    assertThat(natRules()).doesNotContain("OUTRIGGER");
  }

  @AfterAll
  void tearDown() throws Exception {
    TempDirs.closeThenDelete(network, work);
  }

  @Test
  void addSucceedsWhenTheLogFilesDiskIsFull() throws Exception {
    Path logDir = Files.createDirectory(work.resolve("full"));
    assertThat(
            host.run(
                    List.of(
                        "mount",
                        "-t",
                        "tmpfs",
                        "-o",
                        "size=64k",
                        "outrigger-cni-full",
                        logDir.toString()),
                    null)
                .exitCode())
        .as("mount a 64 KiB tmpfs")
        .isZero();
    try {
      // Fill it: dd stops at "No space left on device".
      host.run(List.of("dd", "if=/dev/zero", "of=" + logDir.resolve("fill"), "bs=4k"), null);
      String avail =
          host.run(List.of("df", "--output=avail", logDir.toString()), null).stdout().strip();
      assertThat(avail.lines().map(String::strip).toList())
          .as("space left on the log's file system")
          .last()
          .isEqualTo("0");
      Path log = logDir.resolve("cni.log");

      Exec add = exec("ADD", stdin(log), null);

      assertThat(add.exitCode()).as("ADD with the log's disk full: %s", add.stderr()).isZero();
      assertThat(json.readTree(add.stdout()))
          .as("stdout is the result alone")
          .isEqualTo(pod.cniResult());
      assertThat(add.stdout().strip()).endsWith("}");
      assertThat(add.stderr())
          .contains("cannot write log file " + log)
          .contains("No space left on device");
      assertThat(natRules()).contains("-A OUTPUT -p tcp -j OUTRIGGER_OUTPUT");
      assertThat(
              PluginImage.invoke("CHECK", "faults", pod.netnsPath(), "default/faults", stdin(log))
                  .exitCode())
          .as("CHECK after it")
          .isZero();
      System.out.printf(
          "FAULT cni-log-disk-full: ADD exit %d, rules in place, stderr: %s%n",
          add.exitCode(), add.stderr().strip());
    } finally {
      CommandRunner.Result umount = host.run(List.of("umount", logDir.toString()), null);
      assertThat(umount.exitCode()).as("umount %s: %s", logDir, umount.stderr()).isZero();
    }
  }

  /**
   * The plugin is killed while it writes the rules: an {@code iptables-restore} ahead of the real
   * one on the PATH reads the first lines of the transaction, kills the plugin (its parent) with
   * SIGKILL, and hands those lines to the real {@code iptables-restore}, which gets end of input
   * before COMMIT.
   */
  @Test
  void addKilledWhileWritingTheRulesLeavesNoRuleAndTheNextAddRepairs() throws Exception {
    Path wrapperDir = Files.createDirectory(work.resolve("kill-mid-add"));
    Path wrapper = wrapperDir.resolve("iptables-restore");
    Files.writeString(
        wrapper,
        """
        #!/bin/sh
        # Test double: the plugin dies half-way through writing its iptables-restore transaction.
        head -n 6 > "$0.partial"
        kill -KILL "$PPID"
        /usr/sbin/iptables-restore "$@" < "$0.partial"
        echo $? > "$0.exit"
        """);
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path log = work.resolve("cni.log");

    Exec killed = exec("ADD", stdin(log), wrapperDir);

    assertThat(killed.exitCode())
        .as("the plugin's exit: killed by SIGKILL (128 + 9)")
        .isEqualTo(137);
    String partial = Files.readString(wrapperDir.resolve("iptables-restore.partial"));
    assertThat(partial)
        .as("the transaction was cut: %s", partial)
        .contains("*nat")
        .doesNotContain("COMMIT");
    awaitFile(wrapperDir.resolve("iptables-restore.exit"));
    assertThat(Files.readString(wrapperDir.resolve("iptables-restore.exit")).strip())
        .as("iptables-restore refuses a transaction without COMMIT")
        .isNotEqualTo("0");
    assertThat(natRules())
        .as("no half-written rules after the plugin died mid-ADD")
        .doesNotContain("OUTRIGGER");

    CommandRunner.Result check =
        PluginImage.invoke("CHECK", "faults", pod.netnsPath(), "default/faults", stdin(log));
    assertThat(check.exitCode()).as("CHECK reports the missing rules").isNotZero();
    JsonNode error = json.readTree(check.stdout());
    assertThat(error.path("details").asText())
        .contains("missing: IPV4 -A OUTPUT -p tcp -j OUTRIGGER_OUTPUT");

    CommandRunner.Result again =
        PluginImage.invoke("ADD", "faults", pod.netnsPath(), "default/faults", stdin(log));
    assertThat(again.exitCode()).as("the runtime's next ADD: %s", again.stderr()).isZero();
    assertThat(
            PluginImage.invoke("CHECK", "faults", pod.netnsPath(), "default/faults", stdin(log))
                .exitCode())
        .as("CHECK after the repairing ADD")
        .isZero();
    System.out.printf(
        "FAULT cni-killed-mid-add: plugin exit %d after %d lines of the transaction, OUTRIGGER rules"
            + " left 0, CHECK code %d, next ADD exit %d%n",
        killed.exitCode(), partial.lines().count(), error.path("code").asInt(), again.exitCode());
  }

  /**
   * What one plugin run did: exit code, stdout and stderr apart (the runtime reads only stdout).
   */
  private record Exec(int exitCode, String stdout, String stderr) {}

  /**
   * Runs the plugin on the pod as the runtime would, with {@code pathFirst} ahead on PATH. Not
   * through {@code CommandRunner}: it merges stderr into stdout, and takes exit 137 for its own
   * watchdog's kill.
   */
  private Exec exec(String command, String stdin, Path pathFirst) throws Exception {
    Path out = Files.createTempFile(work, "stdout", ".txt");
    Path err = Files.createTempFile(work, "stderr", ".txt");
    Process p =
        new ProcessBuilder(
                PluginImage.commandLine(
                    command, "faults", pod.netnsPath(), "default/faults", pathFirst))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (!p.waitFor(TOOL_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("outrigger-cni " + command + " still running after " + TOOL_TIMEOUT);
    }
    return new Exec(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static void awaitFile(Path file) throws InterruptedException {
    // The test double outlives the plugin it killed by the length of one iptables-restore run.
    for (int i = 0; i < 100 && !Files.exists(file); i++) {
      Thread.sleep(100);
    }
    assertThat(file).exists();
  }

  /** Our entry as the runtime hands it over, with the pod's annotations and the chain's result. */
  private String stdin(Path log) {
    return PluginImage.runtimeStdin(log, "faults", "1.0.0", pod.cniResult());
  }

  private String natRules() {
    return pod.exec("iptables-save", "-t", "nat").stdout();
  }
}
