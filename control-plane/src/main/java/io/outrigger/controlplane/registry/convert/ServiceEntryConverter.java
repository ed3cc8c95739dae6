package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.networking.v1.ServiceEntry;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.ExportTo;
import io.outrigger.controlplane.model.HostMatch;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServiceEntryConfig;
import io.outrigger.controlplane.model.ServiceEntryHost;
import io.outrigger.controlplane.model.ServiceEntryHost.Location;
import io.outrigger.controlplane.model.ServiceEntryHost.Resolution;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio ServiceEntry to {@link ServiceEntryConfig}: one {@link Service} per host with the entry's
 * ports, addresses, location, resolution, endpoints or workload selector, and {@code exportTo},
 * checked as Istio checks them.
 */
public final class ServiceEntryConverter {
  private ServiceEntryConverter() {}

  public static ServiceEntryConfig convert(ServiceEntry object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null || spec.getHosts() == null || spec.getHosts().isEmpty()) {
      throw new InvalidConfigException("spec.hosts is empty");
    }
    String name = object.getMetadata().getName();
    Resolution resolution = resolution(spec.getResolution());
    Location location =
        spec.getLocation() == ServiceEntryLocation.MESH_INTERNAL
            ? Location.MESH_INTERNAL
            : Location.MESH_EXTERNAL;
    List<String> hosts = hosts(spec.getHosts(), resolution);
    List<ServicePort> ports = ports(spec.getPorts());
    List<String> addresses = addresses(spec.getAddresses());
    Map<String, String> selector =
        spec.getWorkloadSelector() == null || spec.getWorkloadSelector().getLabels() == null
            ? Map.of()
            : spec.getWorkloadSelector().getLabels();
    boolean hasEndpoints = spec.getEndpoints() != null && !spec.getEndpoints().isEmpty();
    if (!selector.isEmpty() && hasEndpoints) {
      throw new InvalidConfigException(
          "spec.workloadSelector and spec.endpoints cannot both be set");
    }
    if (resolution == Resolution.NONE && hasEndpoints) {
      throw new InvalidConfigException(
          "spec.endpoints must be empty with resolution NONE (the caller's destination is used)");
    }
    if (resolution == Resolution.STATIC && !hasEndpoints && selector.isEmpty()) {
      throw new InvalidConfigException(
          "resolution STATIC needs spec.endpoints or spec.workloadSelector");
    }
    List<Workload> endpoints = endpoints(spec.getEndpoints(), resolution, ports, namespace, name);
    ExportTo exportTo = ExportToConverter.convert(spec.getExportTo(), "spec.exportTo");
    ServiceEntryHost entry =
        new ServiceEntryHost(name, addresses, location, resolution, endpoints, !selector.isEmpty());
    String vip = addresses.isEmpty() ? null : addresses.getFirst();
    List<Service> services = new ArrayList<>();
    for (String host : hosts) {
      services.add(new Service(namespace, host, vip, ports, selector, false, exportTo, entry));
    }
    return new ServiceEntryConfig(namespace, name, services);
  }

  private static Resolution resolution(ServiceEntryResolution value) throws InvalidConfigException {
    if (value == null) {
      return Resolution.NONE;
    }
    return switch (value) {
      case NONE -> Resolution.NONE;
      case STATIC -> Resolution.STATIC;
      case DNS -> Resolution.DNS;
      case DNS_ROUND_ROBIN -> Resolution.DNS_ROUND_ROBIN;
      default ->
          throw new InvalidConfigException(
              Problem.UNSUPPORTED, "spec.resolution " + value + " is not implemented by Outrigger");
    };
  }

  private static List<String> hosts(List<String> written, Resolution resolution)
      throws InvalidConfigException {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < written.size(); i++) {
      String host = written.get(i);
      String where = "spec.hosts[" + i + "]";
      if (!HostMatch.isValid(host) || "*".equals(host)) {
        throw new InvalidConfigException(where + ": \"" + host + "\" is not a valid host name");
      }
      if (host.startsWith("*")
          && (resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN)) {
        throw new InvalidConfigException(
            where + ": wildcard host \"" + host + "\" cannot be resolved by DNS");
      }
      if (!seen.add(host)) {
        throw new InvalidConfigException(where + ": \"" + host + "\" is listed twice");
      }
    }
    return List.copyOf(written);
  }

  private static List<ServicePort> ports(
      List<io.fabric8.istio.api.api.networking.v1alpha3.ServicePort> written)
      throws InvalidConfigException {
    if (written == null || written.isEmpty()) {
      throw new InvalidConfigException("spec.ports is empty");
    }
    List<ServicePort> ports = new ArrayList<>();
    Set<Long> numbers = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < written.size(); i++) {
      var p = written.get(i);
      String where = "spec.ports[" + i + "]";
      int number = portNumber(p.getNumber(), where + ".number");
      int target = p.getTargetPort() == null ? number : portNumber(p.getTargetPort(), where);
      if (!numbers.add(p.getNumber())) {
        throw new InvalidConfigException(where + ": port " + number + " is listed twice");
      }
      String portName = p.getName() == null ? "" : p.getName();
      if (!portName.isEmpty() && !names.add(portName)) {
        throw new InvalidConfigException(where + ": name \"" + portName + "\" is used twice");
      }
      // Istio: the protocol field decides; without it the name's prefix does, as for Services.
      ports.add(new ServicePort(portName, number, target, Protocol.of(portName, p.getProtocol())));
    }
    return ports;
  }

  private static int portNumber(Long value, String where) throws InvalidConfigException {
    if (value == null || value < 1 || value > 65535) {
      throw new InvalidConfigException(where + ": " + value + " is not in 1..65535");
    }
    return value.intValue();
  }

  private static List<String> addresses(List<String> written) throws InvalidConfigException {
    if (written == null) {
      return List.of();
    }
    for (int i = 0; i < written.size(); i++) {
      String a = written.get(i);
      if (a != null && a.contains("/")) {
        throw new InvalidConfigException(
            Problem.UNSUPPORTED,
            "spec.addresses["
                + i
                + "]: CIDR range \""
                + a
                + "\" is not implemented by Outrigger (list single addresses)");
      }
      if (!Addresses.isIpLiteral(a)) {
        throw new InvalidConfigException(
            "spec.addresses[" + i + "]: \"" + a + "\" is not an IP address");
      }
    }
    return List.copyOf(written);
  }

  private static List<Workload> endpoints(
      List<io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry> written,
      Resolution resolution,
      List<ServicePort> ports,
      String namespace,
      String entryName)
      throws InvalidConfigException {
    if (written == null) {
      return List.of();
    }
    Set<String> portNames = new HashSet<>();
    ports.forEach(p -> portNames.add(p.name()));
    List<Workload> endpoints = new ArrayList<>();
    for (int i = 0; i < written.size(); i++) {
      var e = written.get(i);
      String where = "spec.endpoints[" + i + "]";
      String address = e.getAddress();
      if (address == null || address.isBlank()) {
        throw new InvalidConfigException(where + ".address is missing");
      }
      boolean ip = Addresses.isIpLiteral(address);
      if (resolution == Resolution.STATIC && !ip) {
        throw new InvalidConfigException(
            where + ".address \"" + address + "\" must be an IP address with resolution STATIC");
      }
      if (!ip && !HostMatch.isValid(address) || address.startsWith("*")) {
        throw new InvalidConfigException(
            where + ".address \"" + address + "\" is neither an IP address nor a host name");
      }
      Map<String, Integer> endpointPorts = new LinkedHashMap<>();
      if (e.getPorts() != null) {
        for (Map.Entry<String, Long> port : e.getPorts().entrySet()) {
          if (!portNames.contains(port.getKey())) {
            throw new InvalidConfigException(
                where
                    + ".ports: \""
                    + port.getKey()
                    + "\" is not the name of a port in spec.ports");
          }
          endpointPorts.put(
              port.getKey(), portNumber(port.getValue(), where + ".ports." + port.getKey()));
        }
      }
      endpoints.add(
          new Workload(
              namespace,
              entryName + "/" + address,
              address,
              e.getLabels() == null ? Map.of() : e.getLabels(),
              e.getServiceAccount(),
              endpointPorts));
    }
    return endpoints;
  }
}
