package io.outrigger.controlplane.xds;

import java.time.Instant;

/**
 * One type's sync state for one proxy, as shown by /debug/syncz. {@code inSync}: the proxy ACKed
 * the last response of this type (or needed none).
 */
public record TypeSyncStatus(
    String typeUrl,
    String sentVersion,
    Instant sentAt,
    String ackedVersion,
    Instant ackedAt,
    int resourcesSent,
    boolean inSync,
    Nack lastNack) {}
