package io.outrigger.cni.capture;

import io.outrigger.sidecar.MeshKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pod annotations that decide capture. Istio's names are honoured so existing manifests keep
 * working; each has an {@code outrigger.io/} equivalent that wins when both are set.
 */
public final class CaptureAnnotations {
  public static final String STATUS = MeshKeys.STATUS;
  public static final String ISTIO_INJECT = MeshKeys.INJECT;
  public static final String INJECT = "outrigger.io/inject";
  public static final String ISTIO_INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";
  public static final String INTERCEPTION_MODE = "outrigger.io/interceptionMode";

  static final String ISTIO_TRAFFIC = "traffic.sidecar.istio.io/";
  static final String TRAFFIC = "outrigger.io/";

  public static final String INCLUDE_OUTBOUND_IP_RANGES = "includeOutboundIPRanges";
  public static final String EXCLUDE_OUTBOUND_IP_RANGES = "excludeOutboundIPRanges";
  public static final String INCLUDE_OUTBOUND_PORTS = "includeOutboundPorts";
  public static final String EXCLUDE_OUTBOUND_PORTS = "excludeOutboundPorts";
  public static final String INCLUDE_INBOUND_PORTS = "includeInboundPorts";
  public static final String EXCLUDE_INBOUND_PORTS = "excludeInboundPorts";

  private final String pod;
  private final Map<String, String> annotations;

  /** {@code pod} ("namespace/name") only names the pod in error messages. */
  public CaptureAnnotations(String pod, Map<String, String> annotations) {
    this.pod = pod;
    this.annotations = Map.copyOf(annotations);
  }

  /** The value of an {@code outrigger.io/} key, else of its Istio name. */
  public Optional<String> value(String outriggerKey, String istioKey) {
    String v = annotations.get(outriggerKey);
    return Optional.ofNullable(v != null ? v : annotations.get(istioKey));
  }

  public boolean has(String key) {
    return annotations.containsKey(key);
  }

  /** A traffic annotation by its short name ({@code excludeOutboundPorts}): ours, else Istio's. */
  public Optional<String> traffic(String shortName) {
    return value(TRAFFIC + shortName, ISTIO_TRAFFIC + shortName);
  }

  /** A comma-separated port list; blank means none. */
  public List<Integer> ports(String shortName) {
    List<Integer> ports = new ArrayList<>();
    for (String item : items(traffic(shortName).orElse(""))) {
      int port;
      try {
        port = Integer.parseInt(item);
      } catch (NumberFormatException e) {
        throw invalid(shortName, "'" + item + "' is not a port number");
      }
      if (port < 1 || port > 65535) {
        throw invalid(shortName, "port " + port + " is outside 1..65535");
      }
      if (!ports.contains(port)) {
        ports.add(port);
      }
    }
    return ports;
  }

  /** {@code "*"} for every port, otherwise the listed ones. */
  public PortSelection portSelection(String shortName, PortSelection absent) {
    Optional<String> raw = traffic(shortName);
    if (raw.isEmpty()) {
      return absent;
    }
    return raw.get().strip().equals("*")
        ? PortSelection.allPorts()
        : PortSelection.only(ports(shortName));
  }

  public List<Cidr> cidrs(String shortName) {
    List<Cidr> cidrs = new ArrayList<>();
    for (String item : items(traffic(shortName).orElse(""))) {
      try {
        cidrs.add(Cidr.parse(item));
      } catch (IllegalArgumentException e) {
        throw invalid(shortName, e.getMessage());
      }
    }
    return cidrs;
  }

  public CidrSelection cidrSelection(String shortName, CidrSelection absent) {
    Optional<String> raw = traffic(shortName);
    if (raw.isEmpty()) {
      return absent;
    }
    return raw.get().strip().equals("*")
        ? CidrSelection.allAddresses()
        : CidrSelection.only(cidrs(shortName));
  }

  private static List<String> items(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  private InvalidAnnotationException invalid(String shortName, String reason) {
    String key =
        annotations.containsKey(TRAFFIC + shortName)
            ? TRAFFIC + shortName
            : ISTIO_TRAFFIC + shortName;
    return new InvalidAnnotationException("pod " + pod + ": annotation " + key + ": " + reason);
  }
}
