package io.outrigger.controlplane.model;

import io.outrigger.sidecar.probes.AppProbe;
import java.util.List;
import java.util.Map;

/**
 * A workload instance (a WorkloadEntry or a Pod): where it is, what it is labelled, who it runs as.
 * {@code ports} maps a service port name to the port this workload listens on, overriding
 * targetPort; {@code appProbes} are the app's probes the sidecar answers on 15020 (from the
 * injector's annotation); {@code serving} is false for a pod that is not Running and Ready: its
 * sidecar still gets config, but no selector makes it an endpoint.
 */
public record Workload(
    String namespace,
    String name,
    String address,
    Map<String, String> labels,
    String serviceAccount,
    Map<String, Integer> ports,
    List<AppProbe> appProbes,
    boolean serving) {
  /** Istio's label saying the workload has a sidecar, so peers may speak mTLS to it. */
  public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

  public Workload {
    labels = Map.copyOf(labels);
    ports = Map.copyOf(ports);
    appProbes = List.copyOf(appProbes);
    serviceAccount =
        serviceAccount == null || serviceAccount.isBlank() ? "default" : serviceAccount;
  }

  public Workload(
      String namespace,
      String name,
      String address,
      Map<String, String> labels,
      String serviceAccount,
      Map<String, Integer> ports,
      List<AppProbe> appProbes) {
    this(namespace, name, address, labels, serviceAccount, ports, appProbes, true);
  }

  public Workload(
      String namespace,
      String name,
      String address,
      Map<String, String> labels,
      String serviceAccount,
      Map<String, Integer> ports) {
    this(namespace, name, address, labels, serviceAccount, ports, List.of());
  }

  /**
   * This workload as the endpoint of one EndpointSlice: its address and the slice's port numbers.
   */
  public Workload asEndpoint(String endpointAddress, Map<String, Integer> slicePorts) {
    return new Workload(
        namespace, name, endpointAddress, labels, serviceAccount, slicePorts, appProbes, true);
  }

  public boolean inMesh() {
    return "istio".equals(labels.get(TLS_MODE_LABEL));
  }

  /** The identity a sidecar of this workload holds, {@code ns/sa}. */
  public String identity() {
    return namespace + "/" + serviceAccount;
  }

  public String spiffeId(String trustDomain) {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /** The port this workload serves {@code servicePort} on. */
  public int targetPort(ServicePort servicePort) {
    Integer own = ports.get(servicePort.name());
    return own != null ? own : servicePort.targetPort();
  }
}
