package io.outrigger.cni.capture;

import java.util.List;

/**
 * Everything the capture rules of one pod depend on: the sidecar's ports and user, and what the pod's
 * annotations include or exclude. {@code ipv6} says whether the pod has an IPv6 address (then rules are
 * written for ip6tables too).
 */
public record CaptureConfig(
    int outboundCapturePort,
    int inboundCapturePort,
    int proxyUid,
    int proxyGid,
    PortSelection inboundPorts,
    List<Integer> excludeInboundPorts,
    List<Integer> includeOutboundPorts,
    List<Integer> excludeOutboundPorts,
    CidrSelection outboundCidrs,
    List<Cidr> excludeOutboundCidrs,
    boolean ipv6) {

  /** Sidecar ports never redirected inbound (DESIGN.md "Ports"): app-health, readiness, Prometheus. */
  public static final List<Integer> SIDECAR_INBOUND_PORTS = List.of(15020, 15021, 15090);

  public static final int OUTBOUND_CAPTURE_PORT = 15001;
  public static final int INBOUND_CAPTURE_PORT = 15006;
  public static final int PROXY_UID = 1337;

  public CaptureConfig {
    excludeInboundPorts = List.copyOf(excludeInboundPorts);
    includeOutboundPorts = List.copyOf(includeOutboundPorts);
    excludeOutboundPorts = List.copyOf(excludeOutboundPorts);
    excludeOutboundCidrs = List.copyOf(excludeOutboundCidrs);
  }

  /** Istio's defaults: capture every inbound and outbound TCP port to every destination. */
  public static CaptureConfig defaults(boolean ipv6) {
    return new CaptureConfig(
        OUTBOUND_CAPTURE_PORT,
        INBOUND_CAPTURE_PORT,
        PROXY_UID,
        PROXY_UID,
        PortSelection.allPorts(),
        List.of(),
        List.of(),
        List.of(),
        CidrSelection.allAddresses(),
        List.of(),
        ipv6);
  }
}
