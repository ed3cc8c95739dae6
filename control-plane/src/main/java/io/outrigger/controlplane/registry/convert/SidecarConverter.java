package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicyMode;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.HostMatch;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.SidecarConfig;
import io.outrigger.controlplane.model.SidecarConfig.EgressHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Istio Sidecar to {@link SidecarConfig}: its workload selector, the {@code ns/host} entries of its
 * egress listener and its outbound traffic policy. Ingress listeners and per-port egress listeners
 * are refused: a sidecar's inbound side is built from the services that select its workload.
 */
public final class SidecarConverter {
  private SidecarConverter() {}

  public static SidecarConfig convert(Sidecar object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null) {
      throw new InvalidConfigException("spec is missing");
    }
    if (spec.getIngress() != null && !spec.getIngress().isEmpty()) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          "spec.ingress is not implemented by Outrigger: a sidecar's inbound listeners come from"
              + " the Services selecting its workload; remove spec.ingress");
    }
    Map<String, String> selector =
        spec.getWorkloadSelector() == null || spec.getWorkloadSelector().getLabels() == null
            ? Map.of()
            : spec.getWorkloadSelector().getLabels();
    List<IstioEgressListener> egress = spec.getEgress() == null ? List.of() : spec.getEgress();
    if (egress.size() > 1) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED,
          "spec.egress has "
              + egress.size()
              + " listeners: only one, without a port, is implemented by Outrigger");
    }
    List<EgressHost> hosts = new ArrayList<>();
    if (egress.isEmpty()) {
      hosts.add(EgressHost.EVERYTHING);
    } else {
      List<String> written = egress.getFirst().getHosts();
      if (written == null || written.isEmpty()) {
        throw new InvalidConfigException("spec.egress[0].hosts is empty");
      }
      for (int i = 0; i < written.size(); i++) {
        hosts.add(egressHost(written.get(i), "spec.egress[0].hosts[" + i + "]"));
      }
    }
    OutboundTrafficPolicy policy = null;
    if (spec.getOutboundTrafficPolicy() != null
        && spec.getOutboundTrafficPolicy().getMode() != null) {
      policy =
          spec.getOutboundTrafficPolicy().getMode() == OutboundTrafficPolicyMode.REGISTRY_ONLY
              ? OutboundTrafficPolicy.REGISTRY_ONLY
              : OutboundTrafficPolicy.ALLOW_ANY;
    }
    return new SidecarConfig(namespace, object.getMetadata().getName(), selector, hosts, policy);
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
