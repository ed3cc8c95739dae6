package io.outrigger.cni.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.cni.testing.PluginImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * install, a rewrite of the primary CNI's file (entry restored by the watcher), uninstall, on the
 * conflist of each primary CNI we support (fixtures written from each project's documented format).
 */
class CniInstallerIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Sorts after every fixture: must never be touched. */
  private static final String OTHER = "99-other.conflist";

  @TempDir Path root;

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"flannel", "calico", "cilium-generic-veth", "weave", "kindnet", "debian-bridge"})
  void installRewriteUninstall(String cni) throws Exception {
    Path conf = Files.createDirectories(root.resolve("net.d"));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path fixture = copyFixture(cni, conf);
    String original = Files.readString(fixture);
    Files.writeString(
        conf.resolve(OTHER),
        "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"plugins\":[{\"type\":\"loopback\"}]}");
    InstallSettings settings =
        new InstallSettings(
            bin,
            conf,
            PluginImage.binDir(),
            null,
            List.of("kube-system", "outrigger"),
            root.resolve("log/outrigger-cni.log"));
    CniInstaller installer = new CniInstaller(settings);

    Path chained = installer.install();

    assertThat(chained.getFileName().toString())
        .isEqualTo(fixture.getFileName().toString().replaceAll("\\.conf$", ".conflist"));
    assertChainedLast(chained, settings);
    assertThat(pluginTypes(chained).subList(0, pluginTypes(chained).size() - 1))
        .as("the primary CNI's own plugins, unchanged and in order")
        .isEqualTo(originalTypes(original));
    assertThat(bin.resolve("outrigger-cni")).isExecutable();
    assertThat(versionOf(bin)).as("the installed plugin runs").contains("\"supportedVersions\"");
    assertThat(Files.readString(conf.resolve(OTHER))).doesNotContain("outrigger");

    assertThat(installer.install())
        .as("a second install replaces our entry, no duplicate")
        .isEqualTo(chained);
    assertThat(pluginTypes(chained).stream().filter("outrigger-cni"::equals)).hasSize(1);

    try (ConfDirWatcher watcher = new ConfDirWatcher(installer, conf)) {
      Thread thread = Thread.ofPlatform().name("conf-watch-" + cni).start(watcher::run);
      // The primary CNI rewrites its own file, as its agent does on restart.
      Files.writeString(fixture, original);
      awaitChained(
          fixture.getFileName().toString().endsWith(".conf") ? chained : fixture, settings);
      watcher.close();
      thread.join(5000);
    }

    installer.uninstall();

    assertThat(names(conf)).isEqualTo(Set.of(fixture.getFileName().toString(), OTHER));
    assertThat(JSON.readTree(Files.readString(fixture)))
        .as("semantically the original file")
        .isEqualTo(JSON.readTree(original));
    assertThat(names(bin)).isEmpty();
  }

  private static Path copyFixture(String cni, Path conf) throws IOException {
    try (Stream<Path> files =
        Files.list(
            Path.of(System.getProperty("basedir", "."), "src/test/resources/installer", cni))) {
      Path source = files.findFirst().orElseThrow();
      return Files.copy(source, conf.resolve(source.getFileName()));
    }
  }

  private static void assertChainedLast(Path conflist, InstallSettings s) throws IOException {
    JsonNode plugins = JSON.readTree(Files.readString(conflist)).path("plugins");
    JsonNode ours = plugins.get(plugins.size() - 1);
    assertThat(ours.path("type").asText()).isEqualTo("outrigger-cni");
    assertThat(ours.path("log_file").asText()).isEqualTo(s.logFile().toString());
    assertThat(ours.path("capabilities").path("io.kubernetes.cri.pod-annotations").asBoolean())
        .isTrue();
    assertThat(ours.path("exclude_namespaces").toString())
        .isEqualTo("[\"kube-system\",\"outrigger\"]");
  }

  private static void awaitChained(Path conflist, InstallSettings s) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    AssertionError last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        assertChainedLast(conflist, s);
        return;
      } catch (AssertionError | IOException e) {
        last = e instanceof AssertionError a ? a : new AssertionError(e);
        Thread.sleep(50);
      }
    }
    throw new AssertionError(
        "watcher did not restore our entry in " + conflist + " within 10 s", last);
  }

  private static List<String> pluginTypes(Path conflist) throws IOException {
    List<String> types = new java.util.ArrayList<>();
    JSON.readTree(Files.readString(conflist))
        .path("plugins")
        .forEach(p -> types.add(p.path("type").asText()));
    return types;
  }

  private static List<String> originalTypes(String original) throws IOException {
    JsonNode doc = JSON.readTree(original);
    if (!doc.has("plugins")) {
      return List.of(doc.path("type").asText());
    }
    List<String> types = new java.util.ArrayList<>();
    doc.path("plugins").forEach(p -> types.add(p.path("type").asText()));
    return types;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static String versionOf(Path bin) {
    var r =
        new io.outrigger.cni.capture.CommandRunner(Duration.ofSeconds(10))
            .run(
                List.of("env", "CNI_COMMAND=VERSION", bin.resolve("outrigger-cni").toString()),
                "{\"cniVersion\":\"1.0.0\"}");
    return r.stdout();
  }
}
