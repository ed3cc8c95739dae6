package io.outrigger.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Istio's host-name rules: Sidecar egress hosts, wildcards and exportTo. */
class HostMatchTest {

  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource({
    "*, reviews.default.svc.cluster.local, true",
    "*, api.example.com, true",
    "reviews.default.svc.cluster.local, reviews.default.svc.cluster.local, true",
    "REVIEWS.default.svc.cluster.local, reviews.default.svc.cluster.local, true",
    "reviews.default.svc.cluster.local, ratings.default.svc.cluster.local, false",
    "*.example.com, api.example.com, true",
    "*.example.com, a.b.example.com, true",
    "*.example.com, example.com, false",
    "*.example.com, api.example.org, false",
    "*.com, api.example.com, true",
    // a wildcard host is covered only by a wildcard at least as wide
    "*.example.com, *.example.com, true",
    "*.com, *.example.com, true",
    "*.example.com, *.com, false",
    "api.example.com, *.example.com, false",
    // a short name is no FQDN: Istio does not complete egress hosts
    "reviews, reviews.default.svc.cluster.local, false",
  })
  void matchesAsIstioDoes(String pattern, String host, boolean expected) {
    assertThat(HostMatch.matches(pattern, host)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} valid: {1}")
  @CsvSource({
    "*, true",
    "*.example.com, true",
    "api.example.com, true",
    "a-b.example, true",
    "api.*.com, false",
    "*example.com, false",
    "'', false",
    "-api.example.com, false",
    "api..example.com, false",
  })
  void validHostNames(String host, boolean valid) {
    assertThat(HostMatch.isValid(host)).isEqualTo(valid);
  }

  @Test
  void egressHostNamespacePartIsAnyTheProxysOwnNoneOrANamespace() {
    String reviews = "reviews.bookinfo.svc.cluster.local";
    assertThat(new SidecarConfig.EgressHost("*", "*").selects("bookinfo", reviews, "shop"))
        .isTrue();
    assertThat(new SidecarConfig.EgressHost(".", "*").selects("bookinfo", reviews, "shop"))
        .as("./* of a proxy in shop does not reach bookinfo")
        .isFalse();
    assertThat(new SidecarConfig.EgressHost(".", "*").selects("bookinfo", reviews, "bookinfo"))
        .isTrue();
    assertThat(new SidecarConfig.EgressHost("bookinfo", reviews).selects("bookinfo", reviews, "x"))
        .isTrue();
    assertThat(new SidecarConfig.EgressHost("shop", reviews).selects("bookinfo", reviews, "x"))
        .as("the namespace part names the service's namespace")
        .isFalse();
    assertThat(new SidecarConfig.EgressHost("~", "*").selects("bookinfo", reviews, "bookinfo"))
        .as("~ selects nothing")
        .isFalse();
    assertThat(
            new SidecarConfig.EgressHost("*", "*.example.com")
                .selects("egress", "api.example.com", "bookinfo"))
        .isTrue();
  }

  @Test
  void theSidecarThatAppliesIsTheSelectingOneThenTheNamespacesThenTheRootNamespaces() {
    Workload reviews =
        new Workload(
            "bookinfo", "reviews-v1", "198.18.0.9", Map.of("app", "reviews"), "sa", Map.of());
    SidecarConfig root = sidecar("outrigger-system", "default", Map.of());
    SidecarConfig namespaceDefault = sidecar("bookinfo", "default", Map.of());
    SidecarConfig selecting = sidecar("bookinfo", "reviews-only", Map.of("app", "reviews"));
    SidecarConfig otherApp = sidecar("bookinfo", "a-ratings", Map.of("app", "ratings"));

    assertThat(
            SidecarConfig.applying(
                List.of(root, namespaceDefault, otherApp, selecting), reviews, "outrigger-system"))
        .contains(selecting);
    assertThat(
            SidecarConfig.applying(
                List.of(root, namespaceDefault, otherApp), reviews, "outrigger-system"))
        .contains(namespaceDefault);
    assertThat(SidecarConfig.applying(List.of(root, otherApp), reviews, "outrigger-system"))
        .contains(root);
    assertThat(SidecarConfig.applying(List.of(otherApp), reviews, "outrigger-system")).isEmpty();
  }

  @Test
  void exportToDotAStarNamespacesAndNowhere() {
    assertThat(ExportTo.of(null).visibleTo("shop", "bookinfo")).isTrue();
    assertThat(ExportTo.of(List.of(".")).visibleTo("shop", "bookinfo")).isFalse();
    assertThat(ExportTo.of(List.of(".")).visibleTo("bookinfo", "bookinfo")).isTrue();
    assertThat(ExportTo.of(List.of("shop")).visibleTo("shop", "bookinfo")).isTrue();
    assertThat(ExportTo.of(List.of("shop")).visibleTo("bookinfo", "bookinfo"))
        .as("a namespace list without . hides the object from its own namespace, as in Istio")
        .isFalse();
    assertThat(ExportTo.of(List.of("~")).visibleTo("bookinfo", "bookinfo")).isFalse();
    assertThat(ExportTo.of(List.of("*", ".")).everywhere()).isTrue();
    assertThatThrownBy(() -> ExportTo.of(List.of("~", ".")))
        .hasMessageContaining("~ (visible nowhere) cannot be combined");
    assertThatThrownBy(() -> ExportTo.of(List.of("Bad_NS"))).hasMessageContaining("\"Bad_NS\"");
  }

  private static SidecarConfig sidecar(String ns, String name, Map<String, String> selector) {
    return new SidecarConfig(
        ns, name, selector, List.of(SidecarConfig.EgressHost.EVERYTHING), null);
  }
}
