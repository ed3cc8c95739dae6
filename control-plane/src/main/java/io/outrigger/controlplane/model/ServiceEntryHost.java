package io.outrigger.controlplane.model;

import java.util.List;

/**
 * What a ServiceEntry says about one of its hosts, beyond what every {@link Service} has: where the
 * service is, how its endpoints are found, and the endpoints written in the entry.
 *
 * @param entryName the ServiceEntry's name (the {@link Service}'s name is the host)
 * @param addresses the virtual IPs callers use (the first is {@link Service#vip()}); empty: callers
 *     are matched by port and, for HTTP, by Host header
 * @param endpoints the entry's {@code endpoints}; for DNS resolution their addresses may be names
 * @param selectsWorkloads true: the endpoints are the workloads its {@code workloadSelector} (the
 *     {@link Service#selector()}) matches, not {@code endpoints}
 */
public record ServiceEntryHost(
    String entryName,
    List<String> addresses,
    Location location,
    Resolution resolution,
    List<Workload> endpoints,
    boolean selectsWorkloads) {
  /** Inside the mesh (its endpoints may have sidecars) or outside it (never mutual TLS). */
  public enum Location {
    MESH_EXTERNAL,
    MESH_INTERNAL
  }

  /**
   * How a proxy finds the endpoints: NONE connects to the address the caller dialled, STATIC to the
   * listed IPs, DNS resolves the endpoints' names (or the host) and uses every address,
   * DNS_ROUND_ROBIN uses the first.
   */
  public enum Resolution {
    NONE,
    STATIC,
    DNS,
    DNS_ROUND_ROBIN
  }

  public ServiceEntryHost {
    addresses = List.copyOf(addresses);
    endpoints = List.copyOf(endpoints);
  }

  public boolean meshExternal() {
    return location == Location.MESH_EXTERNAL;
  }
}
