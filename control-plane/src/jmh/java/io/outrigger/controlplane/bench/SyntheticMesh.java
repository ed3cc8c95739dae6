package io.outrigger.controlplane.bench;

import io.outrigger.controlplane.model.ClientTlsMode;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.HttpRouteRule;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.StringMatch;
import io.outrigger.controlplane.model.SubsetConfig;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;

import java.util.List;
import java.util.Map;

/**
 * A mesh shaped like the load harness's: N HTTP services in 10 namespaces, two in-mesh workloads each
 * (versions v1/v2), and every tenth service with a DestinationRule and a 90/10 canary VirtualService.
 * Addresses are data only, in 198.18.0.0/15.
 */
final class SyntheticMesh {
    private SyntheticMesh() {
    }

    static MeshConfig build(int services, long version, int movedEndpoint) {
        MeshConfig.Builder mesh = MeshConfig.builder(version);
        for (int i = 0; i < services; i++) {
            String ns = "ns" + (i % 10);
            String name = "svc" + i;
            mesh.service(new Service(ns, name, "198.19." + (i / 250) + "." + (i % 250 + 1),
                    List.of(new ServicePort("http", 8080, 8080, Protocol.HTTP)), Map.of("app", name)));
            for (int v = 1; v <= 2; v++) {
                int host = i * 2 + v + (i == movedEndpoint && v == 1 ? 100_000 : 0);
                mesh.workload(new Workload(ns, name + "-v" + v, "198.18." + (host / 250 % 250) + "." + (host % 250 + 1),
                        Map.of("app", name, "version", "v" + v, Workload.TLS_MODE_LABEL, "istio"), name, Map.of()));
            }
            if (i % 10 == 0) {
                String host = name + "." + ns + ".svc.cluster.local";
                mesh.destinationRule(new DestinationRuleConfig(ns, name, host, ClientTlsMode.UNSET, List.of(
                        new SubsetConfig("v1", Map.of("version", "v1"), ClientTlsMode.UNSET),
                        new SubsetConfig("v2", Map.of("version", "v2"), ClientTlsMode.UNSET))));
                mesh.virtualService(new VirtualServiceConfig(ns, name, List.of(host), List.of(
                        new HttpRouteRule("tester", List.of(new HttpMatch(null,
                                Map.of("end-user", StringMatch.exact("tester")))),
                                List.of(new RouteDestination(host, "v2", 8080, 100))),
                        new HttpRouteRule("canary", List.of(), List.of(
                                new RouteDestination(host, "v1", 8080, 90),
                                new RouteDestination(host, "v2", 8080, 10))))));
            }
        }
        return mesh.build();
    }
}
