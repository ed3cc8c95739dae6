package io.outrigger.controlplane.model;

import java.util.List;

/**
 * A validated ServiceEntry: one {@link Service} per host, each carrying the entry's ports,
 * endpoints, resolution, location and {@code exportTo}.
 */
public record ServiceEntryConfig(String namespace, String name, List<Service> services) {
  public ServiceEntryConfig {
    services = List.copyOf(services);
  }
}
