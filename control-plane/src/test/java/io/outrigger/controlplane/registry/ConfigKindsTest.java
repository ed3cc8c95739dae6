package io.outrigger.controlplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

class ConfigKindsTest {

  @Test
  void eachKindAgreesWithItsFabric8TypeOnGroupVersionAndKind() {
    for (ConfigKind<?> kind : ConfigKinds.ALL) {
      // What a registry watches is what fabric8 will ask the API server for: they must not drift
      // apart.
      assertThat(HasMetadata.getApiVersion(kind.type()))
          .as(kind.toString())
          .isEqualTo(kind.apiVersion());
      assertThat(HasMetadata.getKind(kind.type())).as(kind.toString()).isEqualTo(kind.kind());
    }
  }

  @Test
  void olderIstioVersionsAreAcceptedAndOtherGroupsAreNot() {
    assertThat(ConfigKinds.of("networking.istio.io/v1alpha3", "VirtualService"))
        .contains(ConfigKinds.VIRTUAL_SERVICE);
    assertThat(ConfigKinds.of("security.istio.io/v1beta1", "PeerAuthentication"))
        .contains(ConfigKinds.PEER_AUTHENTICATION);
    assertThat(ConfigKinds.of("v1", "Service")).contains(ConfigKinds.SERVICE);

    assertThat(ConfigKinds.of("serving.knative.dev/v1", "Service")).isEmpty();
    assertThat(ConfigKinds.of("apps/v1", "Deployment")).isEmpty();
    assertThat(ConfigKinds.VIRTUAL_SERVICE.inGroup("networking.istio.io/v2")).isTrue();
    assertThat(ConfigKinds.SERVICE.inGroup("serving.knative.dev/v1")).isFalse();
  }

  @Test
  void onlyRoutesAreCheckedAgainstTheMeshInForce() {
    assertThat(ConfigKinds.ALL.stream().filter(ConfigKind::needsLookup))
        .containsExactly(ConfigKinds.VIRTUAL_SERVICE, ConfigKinds.HTTP_ROUTE);
    assertThat(ConfigKinds.of("gateway.networking.k8s.io/v1beta1", "HTTPRoute"))
        .contains(ConfigKinds.HTTP_ROUTE);
  }
}
