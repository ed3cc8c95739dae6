package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A Kubernetes Service: its virtual IP (spec.clusterIP), ports and the labels selecting its workloads. */
public record Service(String namespace, String name, String vip, List<ServicePort> ports, Map<String, String> selector) {
    public Service {
        ports = List.copyOf(ports);
        selector = Map.copyOf(selector);
    }

    public String hostname() {
        return Hostnames.fqdn(name, namespace);
    }

    /** Headless services (clusterIP None) have no VIP, so no outbound listener can match them. */
    public boolean hasVip() {
        return vip != null && !vip.isBlank() && !"None".equals(vip);
    }

    public Optional<ServicePort> port(int number) {
        return ports.stream().filter(p -> p.port() == number).findFirst();
    }

    /** A workload backs this service when it lives in the same namespace and carries every selector label. */
    public boolean selects(Workload workload) {
        return !selector.isEmpty()
                && namespace.equals(workload.namespace())
                && Labels.matches(selector, workload.labels());
    }
}
