package io.outrigger.controlplane.model;

/** Kubernetes service host names, as Istio resolves the hosts written in its config. */
public final class Hostnames {
  /** The cluster domain; Outrigger, like a default Kubernetes install, uses cluster.local. */
  public static final String DOMAIN_SUFFIX = "cluster.local";

  private Hostnames() {}

  public static String fqdn(String name, String namespace) {
    return name + "." + namespace + ".svc." + DOMAIN_SUFFIX;
  }

  /**
   * Resolves a host as written in an Istio object of {@code namespace}: a short name means a
   * service of that namespace, {@code name.ns} and {@code name.ns.svc} are completed, a full name
   * stays as is.
   */
  public static String resolve(String host, String namespace) {
    if (host.endsWith("." + DOMAIN_SUFFIX) || host.contains("*")) {
      return host;
    }
    String[] parts = host.split("\\.");
    return switch (parts.length) {
      case 1 -> fqdn(host, namespace);
      case 2 -> fqdn(parts[0], parts[1]);
      case 3 -> "svc".equals(parts[2]) ? fqdn(parts[0], parts[1]) : host;
      default -> host;
    };
  }
}
