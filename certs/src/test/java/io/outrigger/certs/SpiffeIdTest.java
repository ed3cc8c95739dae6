package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {

  @Test
  void roundTripsAnIstioIdentity() {
    SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(id.trustDomain()).isEqualTo("cluster.local");
    assertThat(id.path()).isEqualTo("/ns/default/sa/reviews");
    assertThat(id.uri()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(id.workloadIdentity()).contains(new WorkloadIdentity("default", "reviews"));
    assertThat(SpiffeId.of("cluster.local", new WorkloadIdentity("default", "reviews")))
        .isEqualTo(id);
    assertThat(new WorkloadIdentity("default", "reviews").spiffeId("cluster.local")).isEqualTo(id);
  }

  @Test
  void otherPathsHaveNoWorkloadIdentity() {
    assertThat(SpiffeId.parse("spiffe://example.org/workload/one").workloadIdentity()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org").workloadIdentity()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://cluster.local/ns/a/sa/b",
        "spiffe://",
        "spiffe://Cluster.Local/ns/a",
        "spiffe://td/ns//sa/b",
        "spiffe://td/ns/../sa/b",
        "spiffe://td/ns/a/",
        "spiffe://td/ns/a?x=1",
        "spiffe://td/ns/a#f",
        "spiffe://user@td/ns/a",
        "spiffe://td:8080/ns/a"
      })
  void refusesWhatTheSpecForbids(String uri) {
    assertThatThrownBy(() -> SpiffeId.parse(uri))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SPIFFE ID");
  }

  @Test
  void aWorkloadIdIsNsAndSaWithKubernetesNames() {
    assertThat(
            SpiffeId.parseWorkload("spiffe://cluster.local/ns/default/sa/reviews")
                .requireWorkloadIdentity())
        .isEqualTo(new WorkloadIdentity("default", "reviews"));
    assertThatThrownBy(() -> SpiffeId.parseWorkload("spiffe://cluster.local/ns/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "SPIFFE ID 'spiffe://cluster.local/ns/x': not a workload identity, the path must be"
                + " /ns/<namespace>/sa/<service-account>, not /ns/x");
    assertThatThrownBy(() -> SpiffeId.parseWorkload("spiffe://cluster.local"))
        .hasMessage(
            "SPIFFE ID 'spiffe://cluster.local': not a workload identity, the path must be"
                + " /ns/<namespace>/sa/<service-account>");
    assertThatThrownBy(() -> SpiffeId.parseWorkload("spiffe://cluster.local/ns/a/sa/b/extra"))
        .hasMessageContaining("not a workload identity");
    assertThatThrownBy(() -> SpiffeId.parseWorkload("spiffe://cluster.local/ns/Default/sa/b"))
        .hasMessage(
            "SPIFFE ID 'spiffe://cluster.local/ns/Default/sa/b': workload identity: namespace 'Default'"
                + " is not a valid Kubernetes namespace name");
    assertThatThrownBy(() -> SpiffeId.parseWorkload("https://x"))
        .hasMessageContaining("must start with spiffe://");
  }

  @Test
  void workloadIdentityRefusesNonKubernetesNames() {
    assertThatThrownBy(() -> new WorkloadIdentity("Default", "reviews"))
        .hasMessageContaining("namespace 'Default'");
    assertThat(WorkloadIdentity.fromKubernetesUsername("system:serviceaccount:ns1:sa-1"))
        .isEqualTo(new WorkloadIdentity("ns1", "sa-1"));
  }
}
