package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.hostnet.TempFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An Envoy whose test JVM died (simulated: its parent shell exits) is killed when the next Envoy
 * starts.
 */
class OrphanedEnvoyTest {

  @Test
  void envoyLeftByADeadParentIsKilled() throws Exception {
    Path envoy = Prerequisites.requireEnvoy();
    Path workDir = ProxyUserFiles.worldReadableTempDir("outrigger-envoy-");
    try {
      Path bootstrap =
          ProxyUserFiles.writeReadable(
              workDir.resolve("bootstrap.yaml"), HostEnvoyTest.DIRECT_RESPONSE_BOOTSTRAP);
      Path pidFile = workDir.resolve("pid");
      String orphanCommand =
          envoy
              + " -c "
              + bootstrap
              + " --disable-hot-restart --concurrency 1 -l error"
              + " --admin-address-path "
              + workDir.resolve("admin-address")
              + " >/dev/null 2>&1 & echo $! > "
              + pidFile;
      Commands.run(List.of("bash", "-c", orphanCommand)).orThrow("start an orphan Envoy");
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      Optional<ProcessHandle> orphan = ProcessHandle.of(pid);
      assertThat(orphan).as("orphan Envoy running").isPresent();
      // An Envoy left by a dead test JVM has long been running when the next one starts. Wait
      // until this one is, too: while its exec is still under way (slow on a loaded machine) its
      // /proc command line can read empty, and killOrphans rightly leaves alone what it cannot
      // identify (a CI run under load lost that race once).
      Path adminAddress = workDir.resolve("admin-address");
      Instant started = Instant.now().plus(Duration.ofSeconds(30));
      while (!Files.exists(adminAddress) && Instant.now().isBefore(started)) {
        Thread.sleep(50);
      }
      assertThat(adminAddress).as("the orphan Envoy's admin address file").exists();

      EnvoyProcess.killOrphans();

      Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
      while (orphan.get().isAlive() && Instant.now().isBefore(deadline)) {
        Thread.sleep(50);
      }
      assertThat(orphan.get().isAlive()).isFalse();
    } finally {
      TempFiles.deleteRecursively(workDir);
    }
  }
}
