package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.controlplane.registry.source.RegistrySource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees for a kubeconfig or registry value that cannot work: one line naming it.
 */
class KubeConnectionTest {
  @TempDir Path dir;

  @Test
  void aMissingKubeconfigIsNamed() {
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> KubeConnection.kubeconfig(missing).newClient())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("kubeconfig " + missing + ": cannot read it");
    assertThatThrownBy(() -> RegistrySource.parse("kube:" + missing))
        .hasMessage("registry 'kube:" + missing + "': kubeconfig " + missing + " does not exist");
  }

  @Test
  void aFileThatIsNoKubeconfigIsNamed() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.yaml"), "clusters: [unterminated");
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "apiVersion: v1\nkind: Config\n");

    assertThatThrownBy(() -> KubeConnection.kubeconfig(garbage).newClient())
        .hasMessageStartingWith("kubeconfig " + garbage + ": not a usable kubeconfig");
    assertThatThrownBy(() -> KubeConnection.kubeconfig(empty).newClient())
        .hasMessage("kubeconfig " + empty + ": its current context names no server");
  }

  @Test
  void registryValuesNameTheirSourceAndMergeInOrder() throws IOException {
    Path kubeconfig = Files.writeString(dir.resolve("k.yaml"), "apiVersion: v1\nkind: Config\n");
    RegistrySource kube = RegistrySource.parse("kube:" + kubeconfig);
    RegistrySource files = RegistrySource.parse("file:" + dir);

    assertThat(RegistrySource.parse("kube")).hasToString("kube");
    assertThat(kube).hasToString("kube:" + kubeconfig);
    assertThat(RegistrySource.merged(List.of(kube, files)))
        .hasToString("kube:" + kubeconfig + ",file:" + dir);
    assertThat(RegistrySource.merged(List.of(files))).isSameAs(files);
    assertThat(KubeConnection.inCluster().describe()).isEqualTo("in-cluster service account");
    assertThatThrownBy(() -> RegistrySource.parse("etcd:x"))
        .hasMessageContaining("unknown kind; supported: file:DIR");
  }
}
