package io.outrigger.controlplane.model;

import java.util.Map;

/** A DestinationRule subset: a named label selection of the host's workloads, with an optional TLS override. */
public record SubsetConfig(String name, Map<String, String> labels, ClientTlsMode tls) {
    public SubsetConfig {
        labels = Map.copyOf(labels);
    }
}
