package io.outrigger.controlplane.xds;

/** What every ADS stream needs from the server; one instance per server. */
record StreamDependencies(
    ProxyAdmission admission, SnapshotSource snapshots, ProxyStreams streams, XdsMetrics metrics) {}
