package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leftover check (scripts/host-state.sh) counts only what the test run created: a real etcd
 * that is not the run's (no OUTRIGGER_TEST_RUN of this run in its environment, its parent init,
 * like a developer's or a system service's) does not fail it; the same etcd started with the run's
 * tag does, by name and PID. Without a run id the script counts every etcd, as it did before
 * tagging.
 */
class HostStateScriptTest {
  private static final Duration COMPARE_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final String runId = "hoststate-selftest-" + ProcessHandle.current().pid();
  private final List<Long> started = new ArrayList<>();
  private Path script;
  private Path etcd;

  @BeforeEach
  void prerequisites() {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("pgrep");
    etcd = Prerequisites.requireKubeApiServer().etcd();
    script = RepoRoot.find().orElseThrow().resolve("scripts/host-state.sh");
  }

  @AfterEach
  void stopEtcds() throws Exception {
    for (long pid : started) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
    }
  }

  @Test
  void anEtcdThatIsNotTheRunsDoesNotFailTheCheckButTheRunsOwnDoes() throws Exception {
    Path before = dir.resolve("before");
    assertThat(hostState(Map.of("OUTRIGGER_TEST_RUN", runId), "snapshot", before).exitCode())
        .isZero();

    long unrelated = startDetachedEtcd("unrelated", null);
    ExecResult withUnrelated = hostState(Map.of("OUTRIGGER_TEST_RUN", runId), "compare", before);
    assertThat(withUnrelated.stderr())
        .as("compare with an unrelated etcd running: %s", withUnrelated)
        .doesNotContain("etcd " + unrelated);
    assertThat(hostState(Map.of(), "compare", before).stderr())
        .as("without a run id every etcd counts")
        .contains("etcd " + unrelated);

    long ours = startDetachedEtcd("ours", runId);
    ExecResult withOurs = hostState(Map.of("OUTRIGGER_TEST_RUN", runId), "compare", before);
    assertThat(withOurs.exitCode())
        .as("compare with the run's own etcd left: %s", withOurs)
        .isEqualTo(1);
    assertThat(withOurs.stderr())
        .contains("left procs behind")
        .contains("etcd " + ours)
        .doesNotContain("etcd " + unrelated);
  }

  /**
   * An etcd on loopback whose parent is init (the shell that started it exits), tagged when runTag
   * is set.
   */
  private long startDetachedEtcd(String name, String runTag)
      throws IOException, InterruptedException {
    Path data = Files.createDirectories(dir.resolve(name));
    int client = freePort();
    int peer = freePort();
    String command =
        "exec "
            + etcd
            + " --name "
            + name
            + " --data-dir "
            + data
            + " --listen-client-urls http://127.0.0.1:"
            + client
            + " --advertise-client-urls http://127.0.0.1:"
            + client
            + " --listen-peer-urls http://127.0.0.1:"
            + peer
            + " --initial-advertise-peer-urls http://127.0.0.1:"
            + peer
            + " --initial-cluster "
            + name
            + "=http://127.0.0.1:"
            + peer
            + " >"
            + data
            + ".log 2>&1";
    List<String> argv = new ArrayList<>(List.of("env", "-u", "OUTRIGGER_TEST_RUN"));
    if (runTag != null) {
      argv.add("OUTRIGGER_TEST_RUN=" + runTag);
    }
    argv.addAll(List.of("sh", "-c", "(" + command + ") & echo $!"));
    ExecResult launched = Commands.run(argv);
    long pid = Long.parseLong(launched.stdout().strip());
    started.add(pid);
    // The subshell execs etcd, so the PID printed is etcd's once it has started.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!ProcessHandle.of(pid)
        .flatMap(p -> p.info().command())
        .map(c -> c.endsWith("/etcd"))
        .orElse(false)) {
      assertThat(System.nanoTime()).as("etcd %s started (%s)", name, launched).isLessThan(deadline);
      Thread.sleep(50);
    }
    return pid;
  }

  private ExecResult hostState(Map<String, String> env, String command, Path stateDir) {
    List<String> argv = new ArrayList<>(List.of("env", "-u", "OUTRIGGER_TEST_RUN"));
    env.forEach((k, v) -> argv.add(k + "=" + v));
    argv.addAll(List.of("bash", script.toString(), command, stateDir.toString()));
    return Commands.run(argv, Map.of(), null, COMPARE_TIMEOUT);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
