package io.outrigger.controlplane.generate.listener;

import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.TrafficPolicy;
import java.util.Objects;
import java.util.Optional;

/**
 * A port the proxy accepts for the local app (a service's target port, or a Sidecar ingress
 * listener's port), with its protocol, the mTLS mode in force on it, and where its cluster sends
 * connections.
 *
 * @param appAddress the app's address: 127.0.0.1, the workload's own address, or null for each
 *     connection's original destination
 * @param appPort the app's port (the original destination's when {@code appAddress} is null)
 * @param connectionPool the Sidecar's inbound connection pool for this port, if any
 * @param boundAddress null: connections reach the proxy through the capture rules (its {@code
 *     virtualInbound}); else the address the proxy binds the port on (a Sidecar ingress listener
 *     with captureMode NONE)
 */
public record InboundPort(
    int targetPort,
    Protocol protocol,
    MtlsMode mode,
    String appAddress,
    int appPort,
    Optional<TrafficPolicy.ConnectionPool> connectionPool,
    String boundAddress) {
  public static final String LOOPBACK = "127.0.0.1";

  public InboundPort {
    Objects.requireNonNull(protocol);
    Objects.requireNonNull(connectionPool);
  }

  /** A service's target port: the app on loopback, on that port. */
  public InboundPort(int targetPort, Protocol protocol, MtlsMode mode) {
    this(targetPort, protocol, mode, LOOPBACK, targetPort, Optional.empty(), null);
  }
}
