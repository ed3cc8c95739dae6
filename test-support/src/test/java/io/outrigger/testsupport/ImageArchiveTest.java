package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostnet.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker-archive writer, read back by GNU tar (the outer archive and the layer): the {@code
 * docker save} layout, files with their modes, links kept as links, and the layer's digest named in
 * the config. That containerd imports and runs such images is what the tier-5 tests show.
 */
class ImageArchiveTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesTheDockerSaveLayoutWithFilesAndLinks(@TempDir Path dir) throws Exception {
    Path source = Files.writeString(dir.resolve("hello"), "#!/bin/sh\necho hi\n");
    Path archive =
        ImageArchive.named("outrigger.local/test:1")
            .file("/bin/hello", source, 0755)
            .symlink("/bin/hi", "/bin/hello")
            .file("/etc/motd", "welcome\n", 0644)
            .directory("/tmp", 01777)
            .entrypoint("/bin/hi")
            .writeTo(dir.resolve("image.tar"));
    Path out = Files.createDirectory(dir.resolve("out"));
    Commands.run(List.of("tar", "-xf", archive.toString(), "-C", out.toString()))
        .orThrow("tar -x image");

    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile()).get(0);
    assertThat(manifest.get("RepoTags").get(0).asText()).isEqualTo("outrigger.local/test:1");
    String layer = manifest.get("Layers").get(0).asText();
    JsonNode config = JSON.readTree(out.resolve(manifest.get("Config").asText()).toFile());
    String layerDigest =
        Commands.run(List.of("sha256sum", out.resolve(layer).toString())).stdout().split(" ")[0];
    assertThat(config.at("/rootfs/diff_ids/0").asText()).isEqualTo("sha256:" + layerDigest);
    assertThat(config.at("/config/Entrypoint/0").asText()).isEqualTo("/bin/hi");

    String listing =
        Commands.run(List.of("tar", "-tvf", out.resolve(layer).toString()))
            .orThrow("tar -tv")
            .stdout();
    assertThat(listing)
        .containsPattern("(?m)^drwxr-xr-x root/root .* bin/$")
        .containsPattern("(?m)^-rwxr-xr-x root/root +18 .* bin/hello$")
        .containsPattern("(?m)^lrwxrwxrwx root/root .* bin/hi -> /bin/hello$")
        .containsPattern("(?m)^-rw-r--r-- root/root .* etc/motd$")
        .containsPattern("(?m)^drwxrwxrwt root/root .* tmp/$");
  }

  @Test
  void sameInputsGiveTheSameDigests(@TempDir Path dir) throws Exception {
    ImageArchive image = ImageArchive.named("outrigger.local/test:1").file("/a", "a\n", 0644);
    byte[] first = Files.readAllBytes(image.writeTo(dir.resolve("1.tar")));
    byte[] second = Files.readAllBytes(image.writeTo(dir.resolve("2.tar")));

    assertThat(first).isEqualTo(second);
  }

  @Test
  void refusesAPathLeavingTheImageAndABadReference() {
    assertThatThrownBy(
            () -> ImageArchive.named("outrigger.local/test:1").file("/etc/../../x", "", 0644))
        .hasMessageContaining("must not contain ..");
    assertThatThrownBy(() -> ImageArchive.named("Test"))
        .hasMessage("image reference 'Test': must be host/name:tag");
  }

  @Test
  void envoyImageCarriesTheLibrariesLddNames() {
    Path envoy = Prerequisites.requireEnvoy();

    assertThat(NodeImages.sharedLibraries(envoy))
        .containsKeys("/lib64/ld-linux-x86-64.so.2")
        .allSatisfy((path, file) -> assertThat(file).isRegularFile());
    assertThat(NodeImages.envoy(envoy).paths())
        .contains("usr/local/bin/envoy", "lib64/ld-linux-x86-64.so.2");
  }

  @Test
  void pythonImageHasTheInterpreterItsStandardLibraryAndWhatTheyLinkButNoTests() {
    Set<String> paths = NodeImages.python().paths();

    assertThat(NodeImages.python().reference()).isEqualTo("docker.io/library/python:3-slim");
    assertThat(paths)
        .contains("usr/bin/python3", "usr/local/bin/python3", "lib64/ld-linux-x86-64.so.2")
        .anyMatch(p -> p.matches("usr/lib/python3\\.\\d+/json/__init__\\.py"))
        .anyMatch(p -> p.matches("usr/lib/python3\\.\\d+/http/server\\.py"))
        .anyMatch(p -> p.matches("usr/lib/python3\\.\\d+/lib-dynload/_ssl\\..*\\.so"))
        .anyMatch(p -> p.contains("libssl.so"))
        .noneMatch(p -> p.matches("usr/lib/python3\\.\\d+/(test|tkinter|idlelib|config-.*)/.*"))
        .noneMatch(p -> p.endsWith(".pyc") || p.contains("_testcapi"));
  }
}
