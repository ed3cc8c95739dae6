package io.outrigger.controlplane.registry.convert;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.outrigger.controlplane.model.Workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kubernetes v1 Pod to {@link Workload}, as Istio reads pods: labels, namespace and name from the metadata,
 * the identity from {@code spec.serviceAccountName}, the address from {@code status.podIP}, the app probes
 * from the injector's annotation. Only a Running pod with an IP is a workload at all (its sidecar may then
 * connect); only a Running pod whose {@code Ready} condition is True is an endpoint callers are sent to.
 */
public final class PodConverter {
    private PodConverter() {
    }

    /** The workload, or empty while the pod is not Running or has no IP yet. */
    public static Optional<Workload> convert(Pod pod, String namespace) throws InvalidConfigException {
        PodStatus status = pod.getStatus();
        if (status == null || !"Running".equals(status.getPhase())) {
            return Optional.empty();
        }
        String ip = status.getPodIP();
        if (ip == null || ip.isBlank()) {
            return Optional.empty();
        }
        if (!Addresses.isIpLiteral(ip)) {
            throw new InvalidConfigException("status.podIP \"" + ip + "\" is not an IP address");
        }
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            throw new InvalidConfigException("spec is missing");
        }
        String serviceAccount = spec.getServiceAccountName() != null ? spec.getServiceAccountName()
                : spec.getServiceAccount();
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return Optional.of(new Workload(namespace, pod.getMetadata().getName(), ip, labels, serviceAccount,
                namedPorts(spec.getContainers()), AppProbesAnnotation.parse(pod.getMetadata().getAnnotations()),
                ready(status.getConditions())));
    }

    /** Named container ports, which a Service's named targetPort refers to. */
    private static Map<String, Integer> namedPorts(List<Container> containers) throws InvalidConfigException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Container container : containers == null ? List.<Container>of() : containers) {
            for (ContainerPort port : container.getPorts() == null ? List.<ContainerPort>of() : container.getPorts()) {
                int number = port.getContainerPort() == null ? 0 : port.getContainerPort();
                if (number < 1 || number > 65535) {
                    throw new InvalidConfigException("container " + container.getName() + ": containerPort "
                            + port.getContainerPort() + " is not in 1..65535");
                }
                if (port.getName() != null && !port.getName().isBlank()) {
                    ports.put(port.getName(), number);
                }
            }
        }
        return ports;
    }

    private static boolean ready(List<PodCondition> conditions) {
        return conditions != null && conditions.stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
