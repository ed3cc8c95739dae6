package io.outrigger.controlplane.generate.listener;

import io.outrigger.sidecar.probes.AppProbe;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a proxy's inbound side depends on. Replicas of one workload have equal plans, so their
 * inbound listener and clusters are built once and shared.
 */
public record InboundPlan(List<InboundPort> ports, MtlsMode defaultMode, List<AppProbe> appProbes) {
    public InboundPlan {
        ports = List.copyOf(ports);
        appProbes = List.copyOf(appProbes);
    }

    /** Ports of every service selecting the workload, by target port; the first service (by name) decides the protocol. */
    public static InboundPlan of(MeshConfig mesh, Workload workload, String rootNamespace) {
        PeerAuthenticationPolicy policy = PeerAuthenticationPolicy.of(mesh, workload, rootNamespace);
        Map<Integer, InboundPort> byTarget = new TreeMap<>();
        for (Service service : mesh.servicesOf(workload)) {
            for (ServicePort port : service.ports()) {
                int target = workload.targetPort(port);
                byTarget.putIfAbsent(target, new InboundPort(target, port.protocol(), policy.forPort(target)));
            }
        }
        return new InboundPlan(List.copyOf(byTarget.values()), policy.workloadMode(), workload.appProbes());
    }
}
