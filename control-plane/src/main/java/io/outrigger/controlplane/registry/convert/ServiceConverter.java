package io.outrigger.controlplane.registry.convert;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Kubernetes v1 Service to {@link Service}. */
public final class ServiceConverter {
  private ServiceConverter() {}

  public static Service convert(io.fabric8.kubernetes.api.model.Service object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null) {
      throw new InvalidConfigException("spec is missing");
    }
    String vip = spec.getClusterIP();
    if (vip != null && !vip.isBlank() && !"None".equals(vip) && !Addresses.isIpLiteral(vip)) {
      throw new InvalidConfigException("spec.clusterIP \"" + vip + "\" is not an IP address");
    }
    List<ServicePort> ports = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    List<io.fabric8.kubernetes.api.model.ServicePort> specPorts =
        spec.getPorts() == null ? List.of() : spec.getPorts();
    for (int i = 0; i < specPorts.size(); i++) {
      ServicePort port = convertPort(specPorts.get(i), i);
      if (!seen.add(port.port())) {
        throw new InvalidConfigException(
            "spec.ports[" + i + "]: port " + port.port() + " is listed twice");
      }
      ports.add(port);
    }
    Map<String, String> selector = spec.getSelector() == null ? Map.of() : spec.getSelector();
    return new Service(namespace, object.getMetadata().getName(), vip, ports, selector)
        .withExportTo(ExportToConverter.ofAnnotations(object.getMetadata().getAnnotations()));
  }

  private static ServicePort convertPort(io.fabric8.kubernetes.api.model.ServicePort p, int index)
      throws InvalidConfigException {
    if (p.getProtocol() != null && !"TCP".equals(p.getProtocol())) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          "spec.ports["
              + index
              + "]: protocol "
              + p.getProtocol()
              + " is not supported, the mesh carries TCP only");
    }
    int number = p.getPort() == null ? 0 : p.getPort();
    if (number < 1 || number > 65535) {
      throw new InvalidConfigException(
          "spec.ports[" + index + "]: port " + p.getPort() + " is not in 1..65535");
    }
    int target = targetPort(p.getTargetPort(), number, index);
    return new ServicePort(
        p.getName(), number, target, Protocol.of(p.getName(), p.getAppProtocol()));
  }

  /**
   * A named targetPort has no meaning without pods; the WorkloadEntry's ports map supplies the
   * number.
   */
  private static int targetPort(IntOrString target, int port, int index)
      throws InvalidConfigException {
    if (target == null || target.getIntVal() == null) {
      return port;
    }
    int value = target.getIntVal();
    if (value < 1 || value > 65535) {
      throw new InvalidConfigException(
          "spec.ports[" + index + "]: targetPort " + value + " is not in 1..65535");
    }
    return value;
  }
}
