package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.Service;
import java.util.Optional;

/**
 * What a VirtualService is checked against: the services and DestinationRules in force, by FQDN.
 */
public interface MeshLookup {
  Optional<Service> service(String host);

  Optional<DestinationRuleConfig> destinationRule(String host);

  /**
   * True when a host missing here does not exist (the assembler, which sees every object). False
   * for a partial view (the admission webhook, which sees one object before the rest is applied):
   * then checks that need a missing host or its DestinationRule are skipped, not failed.
   */
  default boolean complete() {
    return true;
  }
}
