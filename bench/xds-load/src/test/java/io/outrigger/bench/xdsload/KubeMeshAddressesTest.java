package io.outrigger.bench.xdsload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pod addresses of {@link KubeMesh}: unique over services and slots, inside 198.18.0.0/15, the
 * same as the first runs' up to 1,000 services, and the shapes the side-by-side run accepts.
 */
class KubeMeshAddressesTest {

  @Test
  void upToAThousandServicesTheAddressesAreTheFirstRunsOnes() {
    // The formula of the runs recorded before several proxy pods per service existed.
    for (int i : new int[] {0, 1, 249, 250, 499, 999}) {
      for (int slot = 0; slot < 60; slot++) {
        assertThat(KubeMesh.address(1000, i, slot))
            .isEqualTo("198.18." + (slot * 4 + i / 250) + "." + (i % 250 + 1));
      }
    }
    assertThat(KubeMesh.address(10, 3, 1)).isEqualTo("198.18.4.4");
    assertThat(KubeMesh.firstSidecarAddress()).isEqualTo("198.18.0.1");
  }

  @Test
  void everyPodOfEveryShapeHasItsOwnAddressInside198_18_0_0_15() throws Exception {
    // services, proxy pods per service: the 5,000-proxy run, and meshes beyond 1,000 services.
    int[][] shapes = {{1000, 5}, {1000, 10}, {1001, 1}, {5000, 2}, {20_000, 1}, {10, 2}};
    for (int[] shape : shapes) {
      int services = shape[0];
      int proxyPods = shape[1];
      assertThat(KubeMesh.proxyPods(services, services * proxyPods)).isEqualTo(proxyPods);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < services; i++) {
        // Proxy pods at even slots, the -b pod and its first replacement at slots 1 and 3.
        for (int r = 0; r < proxyPods; r++) {
          assertThat(seen.add(KubeMesh.address(services, i, 2 * r))).isTrue();
        }
        assertThat(seen.add(KubeMesh.address(services, i, 1))).isTrue();
        assertThat(seen.add(KubeMesh.address(services, i, 3))).isTrue();
      }
      assertThat(seen).hasSize(services * (proxyPods + 2));
      for (String address : seen) {
        byte[] b = InetAddress.getByName(address).getAddress();
        assertThat(b[0] & 0xff).as(address).isEqualTo(198);
        assertThat(b[1] & 0xff).as(address).isIn(18, 19);
        assertThat(b[3] & 0xff).as(address).isBetween(1, 250);
      }
    }
  }

  @Test
  void aSlotBeyondTheRangeFailsInsteadOfReusingAnAddress() {
    // 1,000 services: 4 blocks per slot, 128 slots.
    assertThat(KubeMesh.address(1000, 999, 127)).isEqualTo("198.19.255.250");
    assertThatThrownBy(() -> KubeMesh.address(1000, 0, 128))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("slot 128: 128 slots per service");
    assertThatThrownBy(() -> KubeMesh.address(1000, 1000, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("service 1000 of 1000");
  }

  @Test
  void shapesThatDoNotFitAreRefusedWithTheirReason() {
    assertThat(KubeMesh.proxyPods(1000, 1000)).isEqualTo(1);
    assertThat(KubeMesh.proxyPods(1000, 4)).isEqualTo(1);
    assertThat(KubeMesh.proxyPods(1000, 5000)).isEqualTo(5);
    assertThatThrownBy(() -> KubeMesh.proxyPods(1000, 2500))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "proxies (2500) above services (1000) must be a multiple of it: each service gets"
                + " proxies / services proxy pods");
    assertThatThrownBy(() -> KubeMesh.proxyPods(1000, 65_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1000 services with 65 proxy pods each do not fit 198.18.0.0/15");
    assertThat(KubeMesh.proxyPods(1000, 64_000)).isEqualTo(64);
    assertThatThrownBy(() -> KubeMesh.proxyPods(40_000, 40_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("40000 services with 1 proxy pods each do not fit");
    assertThat(KubeMesh.proxyPods(32_000, 32_000)).isEqualTo(1);
    assertThatThrownBy(() -> KubeMesh.proxyPods(32_001, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32001 services with 1 proxy pods each do not fit");
    assertThatThrownBy(() -> KubeMesh.proxyPods(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
