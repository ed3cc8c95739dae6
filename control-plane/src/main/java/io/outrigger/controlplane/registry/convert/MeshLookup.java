package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.Service;

import java.util.Optional;

/** What a VirtualService is checked against: the services and DestinationRules in force, by FQDN. */
public interface MeshLookup {
    Optional<Service> service(String host);

    Optional<DestinationRuleConfig> destinationRule(String host);
}
