package io.outrigger.cni.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapturePolicyTest {
  private final CapturePolicy policy = new CapturePolicy(Set.of("kube-system"));
  private static final List<String> V4 = List.of("198.18.0.9");

  @Test
  void podsTheInjectorDidNotTouchPassThrough() {
    assertThat(policy.decide("default", "web", Map.of("app", "web"), V4))
        .isEqualTo(new CaptureDecision.Skip("not-injected"));
  }

  @Test
  void excludedNamespacesPassThroughEvenWhenInjected() {
    assertThat(policy.decide("kube-system", "dns", Map.of(CaptureAnnotations.STATUS, "{}"), V4))
        .isEqualTo(new CaptureDecision.Skip("excluded-namespace"));
  }

  @Test
  void optOutAndInterceptionModeNoneAreHonouredUnderBothPrefixes() {
    assertThat(
            policy.decide(
                "default",
                "a",
                Map.of(CaptureAnnotations.STATUS, "{}", "sidecar.istio.io/inject", "false"),
                V4))
        .isEqualTo(new CaptureDecision.Skip("opted-out"));
    assertThat(
            policy.decide(
                "default",
                "b",
                Map.of(CaptureAnnotations.STATUS, "{}", "outrigger.io/inject", "False"),
                V4))
        .isEqualTo(new CaptureDecision.Skip("opted-out"));
    assertThat(
            policy.decide(
                "default",
                "c",
                Map.of(
                    CaptureAnnotations.STATUS, "{}", "sidecar.istio.io/interceptionMode", "NONE"),
                V4))
        .isEqualTo(new CaptureDecision.Skip("interception-mode-none"));
    assertThat(
            policy.decide(
                "default",
                "d",
                Map.of(
                    CaptureAnnotations.STATUS,
                    "{}",
                    "sidecar.istio.io/interceptionMode",
                    "NONE",
                    "outrigger.io/interceptionMode",
                    "REDIRECT"),
                V4))
        .isInstanceOf(CaptureDecision.Capture.class);
  }

  @Test
  void ipv6RulesOnlyWhenThePodHasAnIpv6Address() {
    CaptureDecision v4 = policy.decide("default", "a", Map.of(CaptureAnnotations.STATUS, "{}"), V4);
    CaptureDecision dual =
        policy.decide(
            "default",
            "a",
            Map.of(CaptureAnnotations.STATUS, "{}"),
            List.of("198.18.0.9", "fd00::9"));
    assertThat(((CaptureDecision.Capture) v4).config().ipv6()).isFalse();
    assertThat(((CaptureDecision.Capture) dual).config().ipv6()).isTrue();
  }

  @Test
  void badAnnotationsAreRejectedNamingPodKeyAndReason() {
    assertThatThrownBy(
            () ->
                policy.decide(
                    "shop",
                    "cart",
                    Map.of(
                        CaptureAnnotations.STATUS,
                        "{}",
                        "traffic.sidecar.istio.io/excludeOutboundPorts",
                        "80,http"),
                    V4))
        .isInstanceOf(InvalidAnnotationException.class)
        .hasMessage(
            "pod shop/cart: annotation traffic.sidecar.istio.io/excludeOutboundPorts: 'http' is not a port number");
    assertThatThrownBy(
            () ->
                policy.decide(
                    "shop",
                    "cart",
                    Map.of(
                        CaptureAnnotations.STATUS,
                        "{}",
                        "outrigger.io/excludeInboundPorts",
                        "70000"),
                    V4))
        .hasMessage(
            "pod shop/cart: annotation outrigger.io/excludeInboundPorts: port 70000 is outside 1..65535");
    assertThatThrownBy(
            () ->
                policy.decide(
                    "shop",
                    "cart",
                    Map.of(
                        CaptureAnnotations.STATUS,
                        "{}",
                        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
                        "198.18.0.0/33"),
                    V4))
        .hasMessageContaining("prefix length 33, must be 0..32");
    assertThatThrownBy(
            () ->
                policy.decide(
                    "shop",
                    "cart",
                    Map.of(
                        CaptureAnnotations.STATUS,
                        "{}",
                        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
                        "example.com"),
                    V4))
        .hasMessageContaining("'example.com' is not an IP address or CIDR");
    assertThatThrownBy(
            () ->
                policy.decide(
                    "shop",
                    "cart",
                    Map.of(
                        CaptureAnnotations.STATUS,
                        "{}",
                        "sidecar.istio.io/interceptionMode",
                        "TPROXY"),
                    V4))
        .hasMessage(
            "pod shop/cart: interception mode 'TPROXY' is not supported by outrigger-cni, use REDIRECT or NONE");
  }

  @Test
  void cidrsAreNormalisedTheWayIptablesSavePrintsThem() {
    assertThat(Cidr.parse("198.18.7.9/16")).hasToString("198.18.0.0/16");
    assertThat(Cidr.parse("203.0.113.3")).hasToString("203.0.113.3/32");
    assertThat(Cidr.parse("FD00:0:0:0:0:0:0:1/8")).hasToString("fd00::/8");
    assertThat(Cidr.parse("2001:db8:0:0:1:0:0:1")).hasToString("2001:db8::1:0:0:1/128");
    assertThat(Cidr.parse("::1")).hasToString("::1/128");
    assertThat(Cidr.parse("1:0:0:2:0:0:0:3/128")).hasToString("1:0:0:2::3/128");
    assertThat(Cidr.parse("::ffff:198.18.0.1/128")).hasToString("::ffff:c612:1/128");
    assertThat(Cidr.parse("::/0")).hasToString("::/0");
    assertThat(Cidr.parse("0.0.0.0/0")).hasToString("0.0.0.0/0");
  }

  @Test
  void malformedAddressesAreRejected() {
    for (String bad :
        List.of(
            "198.18.0",
            "198.18.0.256",
            "198.18.0.1.2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "1:2:3:4:5:6:7",
            ":::",
            "g::1",
            "",
            "198.18.0.1/",
            "-1.0.0.0")) {
      assertThatThrownBy(() -> Cidr.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
