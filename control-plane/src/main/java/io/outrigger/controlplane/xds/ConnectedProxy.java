package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * A proxy admitted on an ADS stream: which workload it is and which identity the stream is bound
 * to. {@code authenticated} is false only on the loopback plaintext port, where the identity is
 * what the node claims.
 */
public record ConnectedProxy(
    String id,
    String namespace,
    String workload,
    String serviceAccount,
    boolean authenticated,
    Node node) {

  /** "ns/sa", the identity secrets are derived from. */
  public String identity() {
    return namespace + "/" + serviceAccount;
  }
}
