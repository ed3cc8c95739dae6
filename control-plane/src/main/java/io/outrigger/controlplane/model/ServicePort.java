package io.outrigger.controlplane.model;

/**
 * One port of a Service. {@code targetPort} is the port the workload listens on when the workload
 * does not name its own port for {@code name}.
 */
public record ServicePort(String name, int port, int targetPort, Protocol protocol) {
  public ServicePort {
    name = name == null ? "" : name;
  }
}
