package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;

/**
 * A discovery.k8s.io/v1 EndpointSlice of a service: the addresses that serve it now (only endpoints
 * that are ready and not terminating are kept) and the port numbers it names by service port name.
 *
 * @param service the Service it belongs to (label {@code kubernetes.io/service-name}), same
 *     namespace
 * @param ports service port name ("" when unnamed) to the number the endpoints listen on
 */
public record EndpointSliceConfig(
    String namespace,
    String name,
    String service,
    Map<String, Integer> ports,
    List<Endpoint> endpoints) {
  public EndpointSliceConfig {
    ports = Map.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }

  /**
   * @param pod the pod it points at ({@code targetRef}), or null when it is not a pod
   */
  public record Endpoint(String address, String pod) {}
}
