package io.outrigger.controlplane.xds;

import java.time.Instant;
import java.util.List;

/** A connected proxy's sync state across types, as shown by /debug/syncz. */
public record ProxySyncStatus(
    String proxyId,
    String identity,
    boolean authenticated,
    String protocol,
    long streamId,
    Instant connectedAt,
    List<TypeSyncStatus> types) {}
