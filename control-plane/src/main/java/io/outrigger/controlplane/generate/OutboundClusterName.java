package io.outrigger.controlplane.generate;

import io.outrigger.controlplane.generate.naming.ResourceNames;
import java.util.Optional;

/**
 * The parts of an outbound cluster name, {@code
 * outbound|9080|v1|reviews.default.svc.cluster.local}: what a sidecar's cluster stats are about.
 * {@code subset} is empty for the whole service.
 */
public record OutboundClusterName(int port, String subset, String host) {
  private static final String PREFIX = "outbound|";

  public String value() {
    return ResourceNames.outboundCluster(port, subset, host);
  }

  /** Empty for names the outbound cluster factory does not make (inbound, passthrough, static). */
  public static Optional<OutboundClusterName> parse(String name) {
    if (!name.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String[] parts = name.split("\\|", -1);
    if (parts.length != 4 || parts[3].isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new OutboundClusterName(Integer.parseInt(parts[1]), parts[2], parts[3]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
