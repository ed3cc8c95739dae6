package io.outrigger.cni.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.cni.kube.Kubeconfig;
import io.outrigger.cni.testing.PluginImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outrigger cni install --watch} as the DaemonSet runs it, on directories: a primary CNI
 * that writes its conflist after the installer started, readiness following the chain, a rotated
 * service-account token reaching the plugin's kubeconfig, and stop either leaving everything
 * (upgrade) or uninstalling (removal).
 */
class CniNodeAgentIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RESYNC = Duration.ofMillis(200);
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final String PRIMARY =
      """
      {"cniVersion":"1.0.0","name":"mynet","plugins":[{"type":"bridge","bridge":"cni0","ipam":{"type":"host-local",
      "ranges":[[{"subnet":"198.18.250.0/24"}]]}},{"type":"portmap","capabilities":{"portMappings":true}}]}
      """;

  @TempDir Path root;

  @Test
  void aPrimaryCniThatWritesItsConflistAfterUsIsChainedAndReadinessFollows() throws Exception {
    Path conf = Files.createDirectories(root.resolve("net.d"));
    int port = freePort();
    CniInstaller installer = new CniInstaller(settings(conf, null));

    try (CniNodeAgent agent =
        new CniNodeAgent(installer, RESYNC, null, RemovalCheck.never(), port)) {
      agent.start();
      assertThat(root.resolve("bin/outrigger-cni")).as("the plugin goes in at once").isExecutable();
      assertThat(readyz(port)).startsWith("503 not ready: no CNI network in " + conf);

      Files.writeString(conf.resolve("10-mynet.conflist"), PRIMARY);

      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(types(conf.resolve("10-mynet.conflist")))
                      .containsExactly("bridge", "portmap", "outrigger-cni"));
      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(() -> assertThat(readyz(port)).isEqualTo("200 ready"));

      // The primary's agent restarts and writes its file again: unready until our entry is back,
      // then ready.
      Files.writeString(conf.resolve("10-mynet.conflist"), PRIMARY);
      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () -> {
                assertThat(types(conf.resolve("10-mynet.conflist")))
                    .containsExactly("bridge", "portmap", "outrigger-cni");
                assertThat(readyz(port)).isEqualTo("200 ready");
              });
    }

    assertThat(types(conf.resolve("10-mynet.conflist")))
        .as("stopped for an upgrade: the entry stays")
        .containsExactly("bridge", "portmap", "outrigger-cni");
    assertThat(root.resolve("bin/outrigger-cni")).isExecutable();
  }

  @Test
  void aRotatedServiceAccountTokenReachesThePluginsKubeconfig() throws Exception {
    Path conf = Files.createDirectories(root.resolve("net.d"));
    Files.writeString(conf.resolve("10-mynet.conflist"), PRIMARY);
    Path sa = Files.createDirectories(root.resolve("serviceaccount"));
    projectedVolume(sa, "token-one", 1);
    KubeconfigSource source = KubeconfigSource.serviceAccount(sa, "https://198.18.233.1:6443");
    CniInstaller installer =
        new CniInstaller(
            new InstallSettings(
                root.resolve("bin"),
                conf,
                PluginImage.binDir(),
                source,
                List.of("kube-system"),
                root.resolve("log/outrigger-cni.log"),
                root.resolve("records")));
    Path kubeconfig = conf.resolve("outrigger-cni.kubeconfig");

    try (CniNodeAgent agent = new CniNodeAgent(installer, RESYNC, null, RemovalCheck.never(), 0)) {
      agent.start();
      assertThat(Kubeconfig.read(kubeconfig).token()).isEqualTo("token-one");
      assertThat(Kubeconfig.read(kubeconfig).server()).isEqualTo("https://198.18.233.1:6443");
      assertThat(Kubeconfig.read(kubeconfig).caPem()).contains("BEGIN CERTIFICATE");
      assertThat(
              JSON.readTree(Files.readString(conf.resolve("10-mynet.conflist")))
                  .path("plugins")
                  .get(2)
                  .path("kubeconfig")
                  .asText())
          .isEqualTo(kubeconfig.toString());

      // kubelet rotates a projected token the way it writes every projected volume: a new
      // timestamped directory,
      // then ..data is switched to it with one rename.
      projectedVolume(sa, "token-two", 2);

      Awaitility.await()
          .atMost(BOUND)
          .untilAsserted(
              () -> assertThat(Kubeconfig.read(kubeconfig).token()).isEqualTo("token-two"));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void stoppedForRemovalItUninstallsEverythingItPutOnTheNode() throws Exception {
    Path conf = Files.createDirectories(root.resolve("net.d"));
    Files.writeString(conf.resolve("10-mynet.conflist"), PRIMARY);
    Path records = Files.createDirectories(root.resolve("records"));
    Files.writeString(records.resolve("0f6c-uid"), "pod=default/web container=c1 version=dev\n");
    CniInstaller installer =
        new CniInstaller(
            new InstallSettings(
                root.resolve("bin"),
                conf,
                PluginImage.binDir(),
                KubeconfigSource.serviceAccount(
                    projectedVolume(Files.createDirectories(root.resolve("sa")), "t", 1),
                    "https://198.18.233.1:6443"),
                List.of("kube-system"),
                root.resolve("log/outrigger-cni.log"),
                records));

    try (CniNodeAgent agent = new CniNodeAgent(installer, RESYNC, null, RemovalCheck.always(), 0)) {
      agent.start();
      assertThat(installer.notReadyReason()).isEmpty();
    }

    assertThat(types(conf.resolve("10-mynet.conflist"))).containsExactly("bridge", "portmap");
    assertThat(list(conf)).containsExactly("10-mynet.conflist");
    assertThat(list(root.resolve("bin"))).isEmpty();
    assertThat(records).doesNotExist();
  }

  private InstallSettings settings(Path conf, KubeconfigSource kubeconfig) {
    return new InstallSettings(
        root.resolve("bin"),
        conf,
        PluginImage.binDir(),
        kubeconfig,
        List.of("kube-system"),
        root.resolve("log/outrigger-cni.log"),
        null);
  }

  /** A projected service-account volume as kubelet's atomic writer lays it out. */
  private static Path projectedVolume(Path dir, String token, int generation) throws IOException {
    Path data = Files.createDirectories(dir.resolve("..2026_12_06_0" + generation));
    Files.writeString(data.resolve("token"), token);
    Files.writeString(
        data.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Path link = dir.resolve("..data_tmp");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, data.getFileName());
    Files.move(
        link,
        dir.resolve("..data"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    for (String name : List.of("token", "ca.crt")) {
      if (!Files.isSymbolicLink(dir.resolve(name))) {
        Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
      }
    }
    return dir;
  }

  private static List<String> types(Path conflist) throws IOException {
    List<String> types = new java.util.ArrayList<>();
    JsonNode doc = JSON.readTree(Files.readString(conflist));
    doc.path("plugins").forEach(p -> types.add(p.path("type").asText()));
    return types;
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String readyz(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body().strip();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
