package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.NetnsCommand;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.hostnet.TempFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary in a private directory (a checkout under /root) is made runnable by UID 1337 through a
 * copy.
 */
class ProxyUserFilesTest {

  @TempDir Path dir;

  @Test
  void binaryInAPrivateDirectoryIsCopiedWhereTheProxyUserCanRunIt() throws Exception {
    Prerequisites.requireRoot();
    Path privateDir =
        Files.createDirectory(
            dir.resolve("private"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path binary = Files.copy(Path.of("/usr/bin/true"), privateDir.resolve("outrigger-true"));
    assertThat(readableByProxyUser(binary)).as("1337 cannot reach the private original").isFalse();

    Path usable = ProxyUserFiles.executableByProxyUser(binary);
    try {
      assertThat(usable).isNotEqualTo(binary.toRealPath()).startsWith(Path.of("/var/tmp"));
      ExecResult run =
          Commands.run(
              NetnsCommand.wrap(null, true, List.of(usable.toString())),
              Map.of(),
              null,
              Duration.ofSeconds(10));
      assertThat(run.exitCode()).as(run.stderr()).isZero();
      assertThat(readableByProxyUser(usable)).isTrue();
      assertThat(ProxyUserFiles.executableByProxyUser(binary))
          .as("the copy is reused")
          .isEqualTo(usable);
    } finally {
      TempFiles.deleteRecursively(usable.getParent());
    }
  }

  /** setpriv keeps root's capabilities until exec, so exec alone proves little; reading does. */
  private static boolean readableByProxyUser(Path file) {
    return Commands.run(
            NetnsCommand.wrap(null, true, List.of("/usr/bin/test", "-r", file.toString())))
        .succeeded();
  }

  @Test
  void reachableBinaryIsUsedInPlace() throws Exception {
    Path envoy = Prerequisites.requireEnvoy();
    Path usable = ProxyUserFiles.executableByProxyUser(envoy);
    assertThat(Files.isExecutable(usable)).isTrue();
    assertThat(Files.size(usable)).isEqualTo(Files.size(envoy));
  }
}
