package io.outrigger.controlplane.registry.convert;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.outrigger.controlplane.model.EndpointSliceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * discovery.k8s.io/v1 EndpointSlice to {@link EndpointSliceConfig}. Only endpoints that are ready
 * and not terminating are kept (an absent condition counts as ready and not terminating, as the API
 * defines it): a not-ready endpoint leaves EDS, a terminating one leaves before its pod is gone.
 */
public final class EndpointSliceConverter {
  /** The label the EndpointSlice controller puts on each slice: the Service it belongs to. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private EndpointSliceConverter() {}

  public static EndpointSliceConfig convert(EndpointSlice slice, String namespace)
      throws InvalidConfigException {
    Map<String, String> labels = slice.getMetadata().getLabels();
    String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
    if (service == null || service.isBlank()) {
      throw new InvalidConfigException(
          "metadata.labels["
              + SERVICE_NAME_LABEL
              + "] is missing: the slice "
              + "belongs to no service");
    }
    if (slice.getAddressType() != null && "FQDN".equals(slice.getAddressType())) {
      throw new InvalidConfigException("addressType FQDN is not supported, only IPv4 and IPv6");
    }
    return new EndpointSliceConfig(
        namespace, slice.getMetadata().getName(), service, ports(slice), endpoints(slice));
  }

  private static Map<String, Integer> ports(EndpointSlice slice) throws InvalidConfigException {
    Map<String, Integer> ports = new LinkedHashMap<>();
    List<EndpointPort> specPorts = slice.getPorts() == null ? List.of() : slice.getPorts();
    for (int i = 0; i < specPorts.size(); i++) {
      EndpointPort port = specPorts.get(i);
      Integer number = port.getPort();
      if (number == null || number < 1 || number > 65535) {
        throw new InvalidConfigException(
            "ports[" + i + "]: port " + number + " is not in 1..65535");
      }
      ports.put(port.getName() == null ? "" : port.getName(), number);
    }
    return ports;
  }

  private static List<EndpointSliceConfig.Endpoint> endpoints(EndpointSlice slice)
      throws InvalidConfigException {
    List<EndpointSliceConfig.Endpoint> endpoints = new ArrayList<>();
    List<Endpoint> specEndpoints = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
    for (int i = 0; i < specEndpoints.size(); i++) {
      Endpoint endpoint = specEndpoints.get(i);
      if (!serves(endpoint.getConditions())) {
        continue;
      }
      ObjectReference target = endpoint.getTargetRef();
      String pod = target != null && "Pod".equals(target.getKind()) ? target.getName() : null;
      List<String> addresses =
          endpoint.getAddresses() == null ? List.of() : endpoint.getAddresses();
      if (addresses.isEmpty()) {
        throw new InvalidConfigException("endpoints[" + i + "]: addresses is empty");
      }
      // The API allows one address per endpoint today; the others would be the same pod.
      String address = addresses.get(0);
      if (!Addresses.isIpLiteral(address)) {
        throw new InvalidConfigException(
            "endpoints[" + i + "].addresses[0] \"" + address + "\" is not an IP address");
      }
      endpoints.add(new EndpointSliceConfig.Endpoint(address, pod));
    }
    return endpoints;
  }

  private static boolean serves(EndpointConditions conditions) {
    return conditions == null
        || (!Boolean.FALSE.equals(conditions.getReady())
            && !Boolean.TRUE.equals(conditions.getTerminating()));
  }
}
