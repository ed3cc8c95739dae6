package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.StatusException;

/**
 * Decides, on a stream's first request, who the proxy is. Runs in the gRPC call's context, so it
 * can read what the transport authenticated; throwing refuses the stream before any config is sent.
 */
@FunctionalInterface
public interface ProxyAdmission {
  ConnectedProxy admit(Node node) throws StatusException;
}
