package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.injector.inject.InjectorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosted injector's config ({@code --injector-config}, the chart's ConfigMap) with the control
 * plane's own revision and namespace: the sidecar image and a fixed address come from the file, the
 * name sidecars verify is the revision's Service, and a file claiming another revision or namespace
 * is refused.
 */
class InjectorConfigSettingsTest {

  private static final ClusterSettings B =
      ClusterSettings.none().withRevision("b").withNamespace("mesh");

  @Test
  void withoutAFileSidecarsDialAndVerifyTheRevisionsService() {
    InjectorConfig config = B.injectorConfig(15012);
    assertThat(config.revision()).isEqualTo("b");
    assertThat(config.controlPlaneAddress()).isEqualTo("outrigger-b.mesh.svc:15012");
    assertThat(config.controlPlaneServerName()).isEqualTo("outrigger-b.mesh.svc");
  }

  @Test
  void theFilesImageAndAddressAreUsedAndTheServiceNameStaysVerified(@TempDir Path dir)
      throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("config.yaml"),
            "image: outrigger.local/envoy:1.40.0\ncontrolPlaneAddress: 198.19.232.15:15012\n");
    InjectorConfig config = B.withInjector(InjectorConfig.load(file)).injectorConfig(15012);
    assertThat(config.image()).isEqualTo("outrigger.local/envoy:1.40.0");
    assertThat(config.controlPlaneAddress()).isEqualTo("198.19.232.15:15012");
    assertThat(config.controlPlaneServerName()).isEqualTo("outrigger-b.mesh.svc");
    assertThat(config.controlPlaneNamespace()).isEqualTo("mesh");
  }

  @Test
  void aFileForAnotherRevisionOrNamespaceIsRefused(@TempDir Path dir) throws Exception {
    Path other = Files.writeString(dir.resolve("a.yaml"), "revision: a\n");
    assertThatThrownBy(() -> B.withInjector(InjectorConfig.load(other)).injectorConfig(15012))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "injector config: revision 'a' but this control plane is revision 'b' (leave it out: --revision"
                + " decides)");
    Path ns = Files.writeString(dir.resolve("ns.yaml"), "controlPlaneNamespace: elsewhere\n");
    assertThatThrownBy(() -> B.withInjector(InjectorConfig.load(ns)).injectorConfig(15012))
        .hasMessageContaining(
            "controlPlaneNamespace 'elsewhere' but this control plane runs in 'mesh'");
  }
}
