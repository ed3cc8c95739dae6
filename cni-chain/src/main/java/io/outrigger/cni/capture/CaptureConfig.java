package io.outrigger.cni.capture;

import io.outrigger.sidecar.ProxyUser;
import io.outrigger.sidecar.SidecarPorts;
import java.util.List;

/**
 * Everything the capture rules of one pod depend on: the sidecar's ports and user, and what the
 * pod's annotations include or exclude. {@code ipv6} says whether the pod has an IPv6 address (then
 * rules are written for ip6tables too).
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

  /**
   * Sidecar ports never redirected inbound (DESIGN.md "Ports"): app-health, readiness, Prometheus.
   * Built from the contract's compile-time constants, which javac inlines: the plugin image needs
   * no contract jar.
   */
  public static final List<Integer> SIDECAR_INBOUND_PORTS =
      List.of(SidecarPorts.APP_HEALTH, SidecarPorts.READINESS, SidecarPorts.PROMETHEUS);

  public CaptureConfig {
    excludeInboundPorts = List.copyOf(excludeInboundPorts);
    includeOutboundPorts = List.copyOf(includeOutboundPorts);
    excludeOutboundPorts = List.copyOf(excludeOutboundPorts);
    excludeOutboundCidrs = List.copyOf(excludeOutboundCidrs);
  }

  /** Istio's defaults: capture every inbound and outbound TCP port to every destination. */
  public static CaptureConfig defaults(boolean ipv6) {
    return new CaptureConfig(
        SidecarPorts.OUTBOUND_CAPTURE,
        SidecarPorts.INBOUND_CAPTURE,
        ProxyUser.UID,
        ProxyUser.GID,
        PortSelection.allPorts(),
        List.of(),
        List.of(),
        List.of(),
        CidrSelection.allAddresses(),
        List.of(),
        ipv6);
  }
}
