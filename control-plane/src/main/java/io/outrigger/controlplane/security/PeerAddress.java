package io.outrigger.controlplane.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Puts the address a call comes from into the gRPC {@link Context}, where stream admission (which
 * sees the node, not the transport) can compare it with the pod's IP.
 */
public final class PeerAddress implements ServerInterceptor {
  private static final Context.Key<InetAddress> PEER = Context.key("outrigger-peer-address");

  /** The source address of the current call, when it came over IP. */
  public static Optional<InetAddress> current() {
    return Optional.ofNullable(PEER.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return Contexts.interceptCall(
          Context.current().withValue(PEER, inet.getAddress()), call, headers, next);
    }
    return next.startCall(call, headers);
  }
}
