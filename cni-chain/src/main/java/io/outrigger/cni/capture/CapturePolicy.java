package io.outrigger.cni.capture;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, from a pod's namespace and annotations, whether the mesh captures its traffic and with
 * which configuration. Pods the injector did not touch, excluded namespaces, opted-out pods and
 * interception mode NONE pass through untouched.
 */
public final class CapturePolicy {
  private final Set<String> excludedNamespaces;

  public CapturePolicy(Set<String> excludedNamespaces) {
    this.excludedNamespaces = Set.copyOf(excludedNamespaces);
  }

  /** {@code podIps} decide whether IPv6 rules are written too. */
  public CaptureDecision decide(
      String namespace, String name, Map<String, String> annotations, List<String> podIps) {
    if (namespace != null && excludedNamespaces.contains(namespace)) {
      return new CaptureDecision.Skip("excluded-namespace");
    }
    CaptureAnnotations a = new CaptureAnnotations(namespace + "/" + name, annotations);
    if (!a.has(CaptureAnnotations.STATUS)) {
      return new CaptureDecision.Skip("not-injected");
    }
    String inject =
        a.value(CaptureAnnotations.INJECT, CaptureAnnotations.ISTIO_INJECT).orElse("true");
    if (inject.strip().equalsIgnoreCase("false")) {
      return new CaptureDecision.Skip("opted-out");
    }
    String mode =
        a.value(CaptureAnnotations.INTERCEPTION_MODE, CaptureAnnotations.ISTIO_INTERCEPTION_MODE)
            .orElse("REDIRECT")
            .strip()
            .toUpperCase(java.util.Locale.ROOT);
    switch (mode) {
      case "NONE":
        return new CaptureDecision.Skip("interception-mode-none");
      case "REDIRECT":
        break;
      default:
        throw new InvalidAnnotationException(
            "pod "
                + namespace
                + "/"
                + name
                + ": interception mode '"
                + mode
                + "' is not supported by outrigger-cni, use REDIRECT or NONE");
    }
    boolean ipv6 = false;
    for (String ip : podIps) {
      ipv6 |= ip.indexOf(':') >= 0;
    }
    return new CaptureDecision.Capture(config(a, ipv6));
  }

  private static CaptureConfig config(CaptureAnnotations a, boolean ipv6) {
    CaptureConfig d = CaptureConfig.defaults(ipv6);
    return new CaptureConfig(
        d.outboundCapturePort(),
        d.inboundCapturePort(),
        d.proxyUid(),
        d.proxyGid(),
        a.portSelection(CaptureAnnotations.INCLUDE_INBOUND_PORTS, d.inboundPorts()),
        a.ports(CaptureAnnotations.EXCLUDE_INBOUND_PORTS),
        a.ports(CaptureAnnotations.INCLUDE_OUTBOUND_PORTS),
        a.ports(CaptureAnnotations.EXCLUDE_OUTBOUND_PORTS),
        a.cidrSelection(CaptureAnnotations.INCLUDE_OUTBOUND_IP_RANGES, d.outboundCidrs()),
        a.cidrs(CaptureAnnotations.EXCLUDE_OUTBOUND_IP_RANGES),
        ipv6);
  }
}
