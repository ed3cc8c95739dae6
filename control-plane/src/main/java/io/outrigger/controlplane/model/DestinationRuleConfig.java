package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Optional;

/** A validated DestinationRule for one host (resolved FQDN). */
public record DestinationRuleConfig(String namespace, String name, String host, ClientTlsMode tls,
                                    List<SubsetConfig> subsets) {
    public DestinationRuleConfig {
        subsets = List.copyOf(subsets);
    }

    public Optional<SubsetConfig> subset(String subsetName) {
        return subsets.stream().filter(s -> s.name().equals(subsetName)).findFirst();
    }

    /** The subset's own TLS mode wins over the rule's. */
    public ClientTlsMode tlsFor(String subsetName) {
        ClientTlsMode own = subset(subsetName).map(SubsetConfig::tls).orElse(ClientTlsMode.UNSET);
        return own != ClientTlsMode.UNSET ? own : tls;
    }
}
