package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.CaptureMode;
import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioIngressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicyMode;
import io.fabric8.istio.api.api.networking.v1alpha3.SidecarPort;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.HostMatch;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.SidecarConfig;
import io.outrigger.controlplane.model.SidecarConfig.DefaultEndpoint;
import io.outrigger.controlplane.model.SidecarConfig.EgressHost;
import io.outrigger.controlplane.model.SidecarConfig.EgressListener;
import io.outrigger.controlplane.model.SidecarConfig.EgressProxy;
import io.outrigger.controlplane.model.SidecarConfig.IngressListener;
import io.outrigger.controlplane.model.TrafficPolicy;
import io.outrigger.sidecar.SidecarPorts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio Sidecar to {@link SidecarConfig}: its workload selector, its egress listeners (per port or
 * catch-all, with their {@code ns/host} entries), its ingress listeners, its inbound connection
 * pool and its outbound traffic policy, validated as Istio validates them. An ingress listener with
 * {@code captureMode: NONE} is a port the proxy binds itself. What a sidecar with iptables capture
 * cannot honour (egress {@code captureMode: NONE} and {@code bind}, Unix sockets) and ingress TLS
 * are refused, each with its reason.
 */
public final class SidecarConverter {
  private static final Pattern DEFAULT_ENDPOINT =
      Pattern.compile("(127\\.0\\.0\\.1|0\\.0\\.0\\.0):(\\d+)");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  private static final Set<Integer> SIDECAR_PORTS =
      Set.of(
          SidecarPorts.ADMIN,
          SidecarPorts.OUTBOUND_CAPTURE,
          SidecarPorts.INBOUND_CAPTURE,
          SidecarPorts.APP_HEALTH,
          SidecarPorts.READINESS,
          SidecarPorts.PROMETHEUS);

  private SidecarConverter() {}

  public static SidecarConfig convert(Sidecar object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null) {
      throw new InvalidConfigException("spec is missing");
    }
    Map<String, String> selector =
        spec.getWorkloadSelector() == null || spec.getWorkloadSelector().getLabels() == null
            ? Map.of()
            : spec.getWorkloadSelector().getLabels();
    OutboundTrafficPolicy policy = null;
    EgressProxy egressProxy = null;
    if (spec.getOutboundTrafficPolicy() != null) {
      if (spec.getOutboundTrafficPolicy().getMode() != null) {
        policy =
            spec.getOutboundTrafficPolicy().getMode() == OutboundTrafficPolicyMode.REGISTRY_ONLY
                ? OutboundTrafficPolicy.REGISTRY_ONLY
                : OutboundTrafficPolicy.ALLOW_ANY;
      }
      egressProxy = egressProxy(spec.getOutboundTrafficPolicy().getEgressProxy(), policy);
    }
    return new SidecarConfig(
        namespace,
        object.getMetadata().getName(),
        selector,
        egress(spec.getEgress() == null ? List.of() : spec.getEgress()),
        policy,
        ingress(spec.getIngress() == null ? List.of() : spec.getIngress()),
        TrafficPolicyConverter.connectionPool(
            spec.getInboundConnectionPool(), "spec.inboundConnectionPool"),
        egressProxy);
  }

  /** As Istio validates it: only with an explicit ALLOW_ANY, a full host name and a port. */
  private static EgressProxy egressProxy(Destination written, OutboundTrafficPolicy mode)
      throws InvalidConfigException {
    if (written == null) {
      return null;
    }
    String at = "spec.outboundTrafficPolicy.egressProxy";
    if (mode != OutboundTrafficPolicy.ALLOW_ANY) {
      throw new InvalidConfigException(at + " needs spec.outboundTrafficPolicy.mode ALLOW_ANY");
    }
    String host = written.getHost();
    if (host == null || !HostMatch.isValid(host) || host.startsWith("*") || !host.contains(".")) {
      throw new InvalidConfigException(
          at + ".host: \"" + host + "\" is not a fully qualified host name");
    }
    if (written.getPort() == null || written.getPort().getNumber() == null) {
      throw new InvalidConfigException(at + ".port.number is missing");
    }
    long port = written.getPort().getNumber();
    if (port < 1 || port > 65535) {
      throw new InvalidConfigException(at + ".port.number: " + port + " is not in 1..65535");
    }
    return new EgressProxy(host, written.getSubset(), (int) port);
  }

  /**
   * Istio's rules: an egress listener without a port is the catch-all and must be the last; two
   * listeners may not share a port.
   */
  private static List<EgressListener> egress(List<IstioEgressListener> written)
      throws InvalidConfigException {
    if (written.isEmpty()) {
      return List.of(EgressListener.catchAll(List.of(EgressHost.EVERYTHING)));
    }
    List<EgressListener> listeners = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < written.size(); i++) {
      IstioEgressListener listener = written.get(i);
      String at = "spec.egress[" + i + "]";
      if (listener.getBind() != null && !listener.getBind().isEmpty()) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED,
            at
                + ".bind is not implemented by Outrigger: outbound listeners match the"
                + " destination service's address; remove bind");
      }
      captureMode(listener.getCaptureMode(), at);
      Integer port = null;
      Protocol protocol = null;
      if (listener.getPort() == null) {
        if (i != written.size() - 1) {
          throw new InvalidConfigException(
              at
                  + ": only the last egress listener may omit port (it is the catch-all for"
                  + " every other port)");
        }
      } else {
        port = portNumber(listener.getPort(), at);
        if (!ports.add(port)) {
          throw new InvalidConfigException(
              at + ".port.number: port " + port + " has an egress listener already");
        }
        String name = listener.getPort().getProtocol();
        protocol = name == null || name.isEmpty() ? null : protocol(name, at);
      }
      List<String> hosts = listener.getHosts();
      if (hosts == null || hosts.isEmpty()) {
        throw new InvalidConfigException(at + ".hosts is empty");
      }
      List<EgressHost> parsed = new ArrayList<>();
      for (int h = 0; h < hosts.size(); h++) {
        parsed.add(egressHost(hosts.get(h), at + ".hosts[" + h + "]"));
      }
      listeners.add(new EgressListener(port, protocol, parsed));
    }
    return listeners;
  }

  private static List<IngressListener> ingress(List<IstioIngressListener> written)
      throws InvalidConfigException {
    List<IngressListener> listeners = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < written.size(); i++) {
      IstioIngressListener listener = written.get(i);
      String at = "spec.ingress[" + i + "]";
      if (listener.getPort() == null) {
        throw new InvalidConfigException(at + ".port is missing");
      }
      int port = portNumber(listener.getPort(), at);
      if (!ports.add(port)) {
        throw new InvalidConfigException(
            at + ".port.number: port " + port + " has an ingress listener already");
      }
      if (listener.getTls() != null) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED,
            at
                + ".tls is not implemented by Outrigger (Istio too applies it only behind the"
                + " ENABLE_TLS_ON_SIDECAR_INGRESS flag): the port is served with the mesh's mTLS"
                + " as PeerAuthentication says; remove tls");
      }
      String bind = listener.getBind();
      if (bind != null && !bind.isEmpty() && !IPV4.matcher(bind).matches()) {
        throw new InvalidConfigException(
            bind.startsWith("unix://") ? Problem.UNSUPPORTED : Problem.INVALID,
            at + ".bind: \"" + bind + "\" is not an IPv4 address");
      }
      String boundAddress = null;
      if (listener.getCaptureMode() == CaptureMode.NONE) {
        boundAddress = bind == null || bind.isEmpty() ? "0.0.0.0" : bind;
        requireBindable(port, at);
      }
      String name = listener.getPort().getName();
      String written_protocol = listener.getPort().getProtocol();
      Protocol protocol =
          written_protocol == null || written_protocol.isEmpty()
              ? Protocol.of(name, null)
              : protocol(written_protocol, at);
      Optional<TrafficPolicy.ConnectionPool> pool =
          TrafficPolicyConverter.connectionPool(
              listener.getConnectionPool(), at + ".connectionPool");
      listeners.add(
          new IngressListener(
              port,
              protocol,
              name,
              defaultEndpoint(listener.getDefaultEndpoint(), at),
              pool,
              boundAddress));
    }
    return listeners;
  }

  /** {@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT} or unset (the original destination). */
  private static DefaultEndpoint defaultEndpoint(String written, String at)
      throws InvalidConfigException {
    if (written == null || written.isEmpty()) {
      return DefaultEndpoint.ORIGINAL_DESTINATION;
    }
    if (written.startsWith("unix://")) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          at
              + ".defaultEndpoint: Unix domain sockets are not implemented by Outrigger (the"
              + " sidecar and the app share no socket directory); use 127.0.0.1:PORT or"
              + " 0.0.0.0:PORT");
    }
    Matcher m = DEFAULT_ENDPOINT.matcher(written);
    int port = m.matches() && m.group(2).length() <= 5 ? Integer.parseInt(m.group(2)) : 0;
    if (port < 1 || port > 65535) {
      throw new InvalidConfigException(
          at
              + ".defaultEndpoint: \""
              + written
              + "\" must be 127.0.0.1:PORT or 0.0.0.0:PORT with PORT in 1..65535");
    }
    return new DefaultEndpoint(
        m.group(1).equals("127.0.0.1")
            ? DefaultEndpoint.Kind.LOOPBACK
            : DefaultEndpoint.Kind.WORKLOAD_ADDRESS,
        port);
  }

  /**
   * DEFAULT and IPTABLES are what Outrigger's sidecars do: every connection is captured. NONE on an
   * egress listener would need the proxy to bind a listener address of its own for the app to dial.
   */
  private static void captureMode(CaptureMode mode, String at) throws InvalidConfigException {
    if (mode == CaptureMode.NONE) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          at
              + ".captureMode NONE is not implemented by Outrigger on egress listeners: its"
              + " sidecars capture every outbound connection with iptables; use DEFAULT or"
              + " IPTABLES");
    }
  }

  /**
   * An ingress port the proxy binds itself (captureMode NONE): the proxy runs unprivileged (Istio
   * skips such ports), and its own ports are taken.
   */
  private static void requireBindable(int port, String at) throws InvalidConfigException {
    if (port < 1024) {
      throw new InvalidConfigException(
          at
              + ".port.number: captureMode NONE binds port "
              + port
              + ", below 1024, which the unprivileged proxy cannot");
    }
    if (SIDECAR_PORTS.contains(port)) {
      throw new InvalidConfigException(
          at + ".port.number: captureMode NONE binds port " + port + ", one of the sidecar's own");
    }
  }

  private static int portNumber(SidecarPort port, String at) throws InvalidConfigException {
    Long number = port.getNumber();
    if (number == null || number < 1 || number > 65535) {
      throw new InvalidConfigException(
          at + ".port.number: " + number + " is not a port in 1..65535");
    }
    return number.intValue();
  }

  private static Protocol protocol(String name, String at) throws InvalidConfigException {
    Protocol protocol = Protocol.parse(name);
    if (protocol == Protocol.UNSUPPORTED) {
      throw new InvalidConfigException(
          at + ".port.protocol: \"" + name + "\" is not a protocol Istio knows");
    }
    return protocol;
  }

  /** {@code namespace/dnsName}, as Istio requires it. */
  static EgressHost egressHost(String written, String where) throws InvalidConfigException {
    int slash = written == null ? -1 : written.indexOf('/');
    if (slash <= 0 || slash == written.length() - 1) {
      throw new InvalidConfigException(
          where + ": \"" + written + "\" is not of the form namespace/host (e.g. \"./*\")");
    }
    String namespace = written.substring(0, slash);
    String host = written.substring(slash + 1);
    if (!(namespace.equals("*")
        || namespace.equals(".")
        || namespace.equals("~")
        || namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"))) {
      throw new InvalidConfigException(
          where + ": namespace \"" + namespace + "\" is neither *, ., ~ nor a namespace name");
    }
    if (!HostMatch.isValid(host)) {
      throw new InvalidConfigException(where + ": \"" + host + "\" is not a valid host name");
    }
    return new EgressHost(namespace, host);
  }
}
