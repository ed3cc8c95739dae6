package io.outrigger.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostnamesTest {
  @Test
  void resolvesHostsAsIstioDoesInTheObjectsNamespace() {
    assertThat(Hostnames.resolve("reviews", "shop")).isEqualTo("reviews.shop.svc.cluster.local");
    assertThat(Hostnames.resolve("reviews.other", "shop"))
        .isEqualTo("reviews.other.svc.cluster.local");
    assertThat(Hostnames.resolve("reviews.other.svc", "shop"))
        .isEqualTo("reviews.other.svc.cluster.local");
    assertThat(Hostnames.resolve("reviews.other.svc.cluster.local", "shop"))
        .isEqualTo("reviews.other.svc.cluster.local");
    assertThat(Hostnames.resolve("api.example.com", "shop")).isEqualTo("api.example.com");
  }
}
