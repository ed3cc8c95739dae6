package io.outrigger.controlplane.xds;

import java.time.Instant;

/** One type's sync state for one proxy, as shown by /debug/syncz. */
public record TypeSyncStatus(
    String typeUrl,
    String sentVersion,
    Instant sentAt,
    String ackedVersion,
    Instant ackedAt,
    int resourcesSent,
    Nack lastNack) {

  public boolean inSync() {
    return !sentVersion.isEmpty() && sentVersion.equals(ackedVersion);
  }
}
