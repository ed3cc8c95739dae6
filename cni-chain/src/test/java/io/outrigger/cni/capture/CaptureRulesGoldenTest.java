package io.outrigger.cni.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.cni.testing.Golden;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pod annotations in, iptables-restore text out, compared with reviewed golden files. */
class CaptureRulesGoldenTest {
  private static final Map<String, String> INJECTED =
      Map.of(CaptureAnnotations.STATUS, "{\"version\":\"test\"}");

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("defaults", Map.of(), List.of("198.18.0.5")),
        Arguments.of("dual-stack", Map.of(), List.of("198.18.0.5", "fd00:198:18::5")),
        Arguments.of(
            "istio-traffic-annotations",
            Map.of(
                "traffic.sidecar.istio.io/excludeOutboundPorts", "5432, 6379",
                "traffic.sidecar.istio.io/excludeOutboundIPRanges", "169.254.169.254/32,fd00::/8",
                "traffic.sidecar.istio.io/excludeInboundPorts", "8081",
                "traffic.sidecar.istio.io/includeOutboundPorts", "9999"),
            List.of("198.18.0.5", "fd00::5")),
        Arguments.of(
            "include-lists",
            Map.of(
                "traffic.sidecar.istio.io/includeInboundPorts", "8080,9090,15020",
                "traffic.sidecar.istio.io/includeOutboundIPRanges", "198.19.0.0/16,198.18.7.9/24"),
            List.of("198.18.0.5")),
        Arguments.of(
            "outrigger-overrides-istio",
            Map.of(
                "traffic.sidecar.istio.io/excludeOutboundPorts", "1111",
                "outrigger.io/excludeOutboundPorts", "2222",
                "outrigger.io/includeOutboundIPRanges", "*"),
            List.of("198.18.0.5")),
        Arguments.of(
            "capture-nothing",
            Map.of(
                "traffic.sidecar.istio.io/includeInboundPorts", "",
                "traffic.sidecar.istio.io/includeOutboundIPRanges", ""),
            List.of("198.18.0.5")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersTheReviewedRules(String name, Map<String, String> annotations, List<String> podIps) {
    Map<String, String> all = new java.util.HashMap<>(INJECTED);
    all.putAll(annotations);
    CaptureDecision decision =
        new CapturePolicy(java.util.Set.of()).decide("default", name, all, podIps);

    assertThat(decision).isInstanceOf(CaptureDecision.Capture.class);
    List<FamilyRules> rules = CaptureRules.render(((CaptureDecision.Capture) decision).config());
    assertThat(rules)
        .extracting(FamilyRules::family)
        .containsExactlyElementsOf(
            podIps.stream().anyMatch(ip -> ip.contains(":"))
                ? List.of(IpFamily.IPV4, IpFamily.IPV6)
                : List.of(IpFamily.IPV4));
    for (FamilyRules family : rules) {
      Golden.assertMatches(
          "capture/" + name + "." + family.family().name().toLowerCase() + ".rules",
          family.createText());
    }
  }
}
