package io.outrigger.cni.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.outrigger.cni.json.Json;
import io.outrigger.testsupport.FuzzRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the CNI installer with the primary network's file as the node holds it (a .conflist, or a
 * .conf when the first byte is odd) in a scratch conf dir: chaining must leave a file whose last
 * plugin is ours, chaining again must change nothing, and uninstalling must take our entry out
 * again; a file that is not a network configuration list is refused with IllegalArgumentException
 * naming it, and left as it was.
 */
class ConfListInstallerFuzzTest {
  private static final FuzzRuns RUNS =
      new FuzzRuns("cni-conflist-installer", IllegalArgumentException.class);
  private static final Path DIR;
  private static final CniInstaller INSTALLER;

  static {
    try {
      Path root = Files.createTempDirectory("outrigger-fuzz-cni-");
      DIR = Files.createDirectories(root.resolve("net.d"));
      INSTALLER =
          new CniInstaller(
              new InstallSettings(
                  root.resolve("bin"),
                  DIR,
                  root.resolve("image"),
                  null,
                  List.of("kube-system"),
                  InstallSettings.DEFAULT_LOG_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "\"plugins\"",
    "\"type\"",
    "\"outrigger-cni\"",
    "\"cniVersion\"",
    "\"name\"",
    "\"bridge\"",
    "\"ipam\"",
    "\"host-local\""
  })
  void everyPrimaryNetworkIsChainedAndUnchainedOrRefused(byte[] input) throws Exception {
    RUNS.run(
        () -> {
          CniInstaller.deleteTree(DIR);
          Files.createDirectories(DIR);
          boolean conf = input.length > 0 && input[0] % 2 != 0;
          Path file = DIR.resolve(conf ? "10-net.conf" : "10-net.conflist");
          String text =
              input.length == 0
                  ? ""
                  : new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
          Files.writeString(file, text, StandardCharsets.UTF_8);
          try {
            chainTwiceAndUnchain();
            if (conf) {
              assertThat(Files.readString(file, StandardCharsets.UTF_8))
                  .as("the .conf put back")
                  .isEqualTo(text);
            }
          } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("CNI config").contains("10-net.conf");
            assertThat(Files.readString(file, StandardCharsets.UTF_8))
                .as("a refused file is left as it was")
                .isEqualTo(text);
            throw e;
          }
        });
  }

  private static void chainTwiceAndUnchain() throws IOException {
    Path chained = INSTALLER.ensureChained().orElseThrow();
    String once = Files.readString(chained);
    List<?> plugins = (List<?>) Json.parseObject(once).get("plugins");
    assertThat(ConfList.isOurs(plugins.get(plugins.size() - 1))).isTrue();
    INSTALLER.ensureChained();
    assertThat(Files.readString(chained)).as("chaining twice").isEqualTo(once);
    INSTALLER.uninstall();
    // A .conf is put back byte for byte (checked by the caller), whatever it held; a .conflist
    // loses our entries.
    for (Path f : new ConfDir(DIR).configFiles()) {
      Map<String, Object> doc = Json.parseObject(Files.readString(f));
      if (f.toString().endsWith(".conflist") && doc.get("plugins") instanceof List<?> left) {
        assertThat(left).noneMatch(ConfList::isOurs);
      }
    }
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
    CniInstaller.deleteTree(DIR.getParent());
  }
}
