package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.certs.CaException;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 4: the mesh CA of a cluster lives in one Secret of a real API server. Replicas starting
 * together (four at once here) all end up with the root of the one Secret that was created; an
 * existing Secret (an operator's own CA) is used as it is; a Secret without the CA's keys stops the
 * start naming them.
 */
class CaSecretTest {

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  static KubeTestCluster cluster;
  static KubernetesClient admin;
  static final CaSettings SETTINGS = CaSettings.defaults();

  @BeforeAll
  static void start(@TempDir Path dir) {
    cluster = new KubeTestCluster(kube.server(), dir);
    admin = cluster.admin();
    cluster.namespace("ca-race");
    cluster.namespace("ca-own");
    cluster.namespace("ca-bad");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void replicasStartingTogetherShareTheOneRootTheyCreated(@TempDir Path dir) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> roots = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Path caDir = dir.resolve("replica-" + i);
        Callable<String> replica =
            () -> {
              CaSecret.materialize(admin, "ca-race", "outrigger-ca", caDir, SETTINGS);
              return Files.readString(caDir.resolve("root-cert.pem"));
            };
        roots.add(pool.submit(replica));
      }
      List<String> got = new ArrayList<>();
      for (Future<String> root : roots) {
        got.add(root.get());
      }
      Secret secret = admin.secrets().inNamespace("ca-race").withName("outrigger-ca").get();
      String stored = decode(secret, "root-cert.pem");
      assertThat(got).containsOnly(stored);
      assertThat(secret.getData()).containsKeys("ca-cert.pem", "ca-key.pem", "root-cert.pem");
      assertThat(secret.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "outrigger");
      // Each replica's directory is a working CA under that root.
      MeshCa ca = MeshCa.loadOrInit(dir.resolve("replica-3"), SETTINGS);
      assertThat(ca.trustBundle().pem()).isEqualTo(stored);
      assertThat(Files.getPosixFilePermissions(dir.resolve("replica-3/ca-key.pem")).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anOperatorsOwnCaSecretIsUsedAsItIs(@TempDir Path dir) throws Exception {
    Path own = dir.resolve("own");
    MeshCa.loadOrInit(own, SETTINGS);
    Map<String, String> data =
        Map.of(
            "ca-cert.pem",
            encode(own.resolve("ca-cert.pem")),
            "ca-key.pem",
            encode(own.resolve("ca-key.pem")),
            "root-cert.pem",
            encode(own.resolve("root-cert.pem")));
    admin
        .secrets()
        .inNamespace("ca-own")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("cacerts")
                .endMetadata()
                .withData(data)
                .build())
        .create();

    CaSecret.materialize(admin, "ca-own", "cacerts", dir.resolve("replica"), SETTINGS);

    assertThat(Files.readString(dir.resolve("replica/root-cert.pem")))
        .isEqualTo(Files.readString(own.resolve("root-cert.pem")));
    assertThat(
            admin
                .secrets()
                .inNamespace("ca-own")
                .withName("cacerts")
                .get()
                .getMetadata()
                .getLabels())
        .as("not rewritten")
        .isNullOrEmpty();
  }

  @Test
  void aSecretWithoutTheCaKeysOrAUsedDirectoryIsRefusedNamingWhy(@TempDir Path dir)
      throws Exception {
    admin
        .secrets()
        .inNamespace("ca-bad")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("outrigger-ca")
                .endMetadata()
                .withStringData(Map.of("root-cert.pem", "x"))
                .build())
        .create();
    assertThatThrownBy(
            () -> CaSecret.materialize(admin, "ca-bad", "outrigger-ca", dir.resolve("a"), SETTINGS))
        .isInstanceOf(CaException.class)
        .hasMessage(
            "CA secret ca-bad/outrigger-ca: has no ca-cert.pem, ca-key.pem (keys: root-cert.pem); it must"
                + " hold the cacerts files of 'outrigger ca init'");

    MeshCa.loadOrInit(dir.resolve("used"), SETTINGS);
    assertThatThrownBy(
            () ->
                CaSecret.materialize(
                    admin, "ca-race", "outrigger-ca", dir.resolve("used"), SETTINGS))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("already holds a CA");
  }

  private static String decode(Secret secret, String key) {
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
  }

  private static String encode(Path file) throws Exception {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
  }
}
