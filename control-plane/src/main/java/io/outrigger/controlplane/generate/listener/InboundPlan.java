package io.outrigger.controlplane.generate.listener;

import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.sidecar.probes.AppProbe;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a proxy's inbound side depends on: its ports and their mTLS modes, its app probes and
 * the AuthorizationPolicies and RequestAuthentications that select it (mesh, namespace and workload
 * ones, in namespace/name order). Replicas of one workload have equal plans, so their inbound
 * listener and clusters are built once and shared.
 */
public record InboundPlan(
    List<InboundPort> ports,
    MtlsMode defaultMode,
    List<AppProbe> appProbes,
    List<AuthorizationPolicyConfig> authorization,
    List<RequestAuthenticationConfig> authentication) {
  public InboundPlan {
    ports = List.copyOf(ports);
    appProbes = List.copyOf(appProbes);
    authorization = List.copyOf(authorization);
    authentication = List.copyOf(authentication);
  }

  public InboundPlan(List<InboundPort> ports, MtlsMode defaultMode, List<AppProbe> appProbes) {
    this(ports, defaultMode, appProbes, List.of(), List.of());
  }

  /**
   * Ports of every service selecting the workload, by target port; the first service (by name)
   * decides the protocol.
   */
  public static InboundPlan of(MeshConfig mesh, Workload workload, String rootNamespace) {
    PeerAuthenticationPolicy policy = PeerAuthenticationPolicy.of(mesh, workload, rootNamespace);
    Map<Integer, InboundPort> byTarget = new TreeMap<>();
    for (Service service : mesh.servicesOf(workload)) {
      for (ServicePort port : service.ports()) {
        int target = workload.targetPort(port);
        byTarget.putIfAbsent(
            target, new InboundPort(target, port.protocol(), policy.forPort(target)));
      }
    }
    // Every proxy's scope asks this on every push: no stream at all for a mesh without policies.
    List<AuthorizationPolicyConfig> authorization =
        mesh.authorizationPolicies().isEmpty()
            ? List.of()
            : mesh.authorizationPolicies().stream()
                .filter(p -> p.appliesTo(workload, rootNamespace))
                .toList();
    List<RequestAuthenticationConfig> authentication =
        mesh.requestAuthentications().isEmpty()
            ? List.of()
            : mesh.requestAuthentications().stream()
                .filter(p -> p.appliesTo(workload, rootNamespace))
                .toList();
    return new InboundPlan(
        List.copyOf(byTarget.values()),
        policy.workloadMode(),
        workload.appProbes(),
        authorization,
        authentication);
  }
}
