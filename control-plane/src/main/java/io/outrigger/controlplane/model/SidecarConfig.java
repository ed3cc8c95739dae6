package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated Istio Sidecar: which proxies it applies to and what they may reach. Istio's rules for
 * which one applies to a workload: a Sidecar of the workload's namespace whose selector matches its
 * labels, else the one of its namespace without a selector, else the root namespace's one without a
 * selector (the mesh default); the first in name order when several qualify.
 *
 * @param selector {@code workloadSelector.labels}; empty for the namespace's default Sidecar
 * @param egress its egress listeners in written order: the ones with a port decide what the proxy
 *     sees on that port, the last one may have none (the catch-all for every other port); one
 *     catch-all selecting everything when the Sidecar has no egress
 * @param outboundTrafficPolicy what happens to traffic to unknown destinations; null: the mesh's
 * @param ingress its ingress listeners; when there are some, they (not the Services selecting the
 *     workload) make the proxy's inbound side, as in Istio
 * @param inboundConnectionPool the connection pool of every inbound cluster whose ingress listener
 *     sets none
 * @param egressProxy where ALLOW_ANY sends traffic to unknown destinations instead of its original
 *     destination; null: there
 */
public record SidecarConfig(
    String namespace,
    String name,
    Map<String, String> selector,
    List<EgressListener> egress,
    OutboundTrafficPolicy outboundTrafficPolicy,
    List<IngressListener> ingress,
    Optional<TrafficPolicy.ConnectionPool> inboundConnectionPool,
    EgressProxy egressProxy) {
  public SidecarConfig {
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(name);
    selector = Map.copyOf(selector);
    egress = List.copyOf(egress);
    ingress = List.copyOf(ingress);
    Objects.requireNonNull(inboundConnectionPool);
    if (egressProxy != null && outboundTrafficPolicy != OutboundTrafficPolicy.ALLOW_ANY) {
      throw new IllegalArgumentException("an egress proxy needs ALLOW_ANY");
    }
  }

  /** A Sidecar with one catch-all egress listener of {@code egressHosts} and nothing else. */
  public SidecarConfig(
      String namespace,
      String name,
      Map<String, String> selector,
      List<EgressHost> egressHosts,
      OutboundTrafficPolicy outboundTrafficPolicy) {
    this(
        namespace,
        name,
        selector,
        List.of(EgressListener.catchAll(egressHosts)),
        outboundTrafficPolicy,
        List.of(),
        Optional.empty(),
        null);
  }

  /**
   * Istio's {@code outboundTrafficPolicy.egressProxy}: a service host (as written, a full name), an
   * optional subset and a port, that is, the cluster {@code outbound|port|subset|host}.
   */
  public record EgressProxy(String host, String subset, int port) {
    public EgressProxy {
      Objects.requireNonNull(host);
      subset = subset == null ? "" : subset;
    }
  }

  /**
   * An egress listener: the hosts a proxy sees on {@code port}, or on every port no other listener
   * names when {@code port} is null.
   *
   * @param protocol the protocol of the proxy's listeners on {@code port} (Istio takes the egress
   *     port's over the service port's); null: each service port's own
   */
  public record EgressListener(Integer port, Protocol protocol, List<EgressHost> hosts) {
    public EgressListener {
      hosts = List.copyOf(hosts);
      if (port == null && protocol != null) {
        throw new IllegalArgumentException("a catch-all egress listener has no protocol");
      }
    }

    public static EgressListener catchAll(List<EgressHost> hosts) {
      return new EgressListener(null, null, hosts);
    }

    /** True when one of its hosts selects an object of that namespace and host name. */
    public boolean selects(String objectNamespace, String host, String proxyNamespace) {
      return hosts.stream().anyMatch(e -> e.selects(objectNamespace, host, proxyNamespace));
    }
  }

  /**
   * An ingress listener: connections to {@code port} of the workload go to {@code endpoint}.
   *
   * @param connectionPool this port's inbound connection pool; empty: the Sidecar's
   * @param boundAddress null: the connections are captured by iptables (captureMode DEFAULT or
   *     IPTABLES); else the address the proxy binds {@code port} on itself (captureMode NONE)
   */
  public record IngressListener(
      int port,
      Protocol protocol,
      String portName,
      DefaultEndpoint endpoint,
      Optional<TrafficPolicy.ConnectionPool> connectionPool,
      String boundAddress) {
    public IngressListener {
      Objects.requireNonNull(protocol);
      portName = portName == null ? "" : portName;
      Objects.requireNonNull(endpoint);
      Objects.requireNonNull(connectionPool);
    }
  }

  /**
   * Where an ingress listener sends its connections, Istio's {@code defaultEndpoint}: {@code
   * 127.0.0.1:PORT} (the app on loopback), {@code 0.0.0.0:PORT} (the app on the workload's own
   * address) or, unset, the connection's original destination.
   */
  public record DefaultEndpoint(Kind kind, int port) {
    public enum Kind {
      LOOPBACK,
      WORKLOAD_ADDRESS,
      ORIGINAL_DESTINATION
    }

    public static final DefaultEndpoint ORIGINAL_DESTINATION =
        new DefaultEndpoint(Kind.ORIGINAL_DESTINATION, 0);
  }

  /**
   * One {@code hosts} entry of an egress listener, {@code namespace/dnsName}: {@code namespace} is
   * {@code *} (any), {@code .} (the Sidecar's own), {@code ~} (none) or a name; {@code dnsName} is
   * a host as {@link HostMatch} matches it.
   */
  public record EgressHost(String namespace, String dnsName) {
    public static final EgressHost EVERYTHING = new EgressHost("*", "*");

    /**
     * True when a service (or VirtualService) of {@code objectNamespace} named {@code host} is
     * selected for a proxy of {@code proxyNamespace}.
     */
    public boolean selects(String objectNamespace, String host, String proxyNamespace) {
      boolean namespaceMatches =
          switch (namespace) {
            case "*" -> true;
            case "~" -> false;
            case "." -> objectNamespace.equals(proxyNamespace);
            default -> objectNamespace.equals(namespace);
          };
      return namespaceMatches && HostMatch.matches(dnsName, host);
    }

    @Override
    public String toString() {
      return namespace + "/" + dnsName;
    }
  }

  /**
   * True when an egress listener selects an object of {@code objectNamespace} named {@code host}
   * for a proxy of {@code proxyNamespace}: the services, VirtualServices and DestinationRules the
   * proxy may use on some port. {@code .} is the proxy's namespace: the same as the Sidecar's,
   * except for the root namespace's default, where Istio reads it as each workload's own.
   */
  public boolean egressSelects(String objectNamespace, String host, String proxyNamespace) {
    return egress.stream().anyMatch(l -> l.selects(objectNamespace, host, proxyNamespace));
  }

  /** True when some egress listener is for one port only. */
  public boolean hasPortEgress() {
    return egress.stream().anyMatch(l -> l.port() != null);
  }

  /**
   * The egress listener that decides what a proxy sees on {@code port}: the one of that port, else
   * the catch-all; empty when neither exists (the port shows nothing).
   */
  public Optional<EgressListener> egressFor(int port) {
    return egress.stream()
        .filter(l -> l.port() != null && l.port() == port)
        .findFirst()
        .or(() -> egress.stream().filter(l -> l.port() == null).findFirst());
  }

  /** The ingress listener of {@code port}, if any. */
  public Optional<IngressListener> ingressOn(int port) {
    return ingress.stream().filter(l -> l.port() == port).findFirst();
  }

  /**
   * The connection pool of the inbound cluster of {@code port}: its ingress listener's, else the
   * Sidecar's {@code inboundConnectionPool} (Istio's {@code InboundConnectionPoolForPort}).
   */
  public Optional<TrafficPolicy.ConnectionPool> inboundConnectionPool(int port) {
    return ingressOn(port).flatMap(IngressListener::connectionPool).or(() -> inboundConnectionPool);
  }

  /** The Sidecar that applies to {@code workload}, by the rules of the class comment. */
  public static Optional<SidecarConfig> applying(
      List<SidecarConfig> sidecars, Workload workload, String rootNamespace) {
    Optional<SidecarConfig> selecting =
        sidecars.stream()
            .filter(s -> s.namespace().equals(workload.namespace()) && !s.selector().isEmpty())
            .filter(s -> Labels.matches(s.selector(), workload.labels()))
            .findFirst();
    if (selecting.isPresent()) {
      return selecting;
    }
    Optional<SidecarConfig> namespaceDefault =
        sidecars.stream()
            .filter(s -> s.namespace().equals(workload.namespace()) && s.selector().isEmpty())
            .findFirst();
    if (namespaceDefault.isPresent()) {
      return namespaceDefault;
    }
    return sidecars.stream()
        .filter(s -> s.namespace().equals(rootNamespace) && s.selector().isEmpty())
        .findFirst();
  }
}
