package io.outrigger.certs.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * What every gRPC server of Outrigger (the CA, the control plane's TLS and loopback plaintext xDS
 * ports) allows one client, so that a slow or oversized one cannot exhaust memory or threads
 * (docs/limits.md). Netty serves every connection on a fixed event loop, so connections cost
 * memory, not threads; gRPC-java has no cap on their number, and these bound how long a useless one
 * lives instead.
 */
public final class GrpcServerLimits {
  /**
   * A connection must finish its TLS handshake and HTTP/2 preface within this (gRPC's default is
   * 120 s).
   */
  public static final int HANDSHAKE_TIMEOUT_SECONDS = 10;

  /** A proxy opens 2 streams (ADS and the metrics sink), a CA client 1 call at a time. */
  public static final int MAX_CALLS_PER_CONNECTION = 16;

  /**
   * A connection without any call for this long is closed (its client reconnects when it needs to).
   */
  public static final int MAX_CONNECTION_IDLE_MINUTES = 5;

  /**
   * The server pings a quiet connection after this, and closes it when the ping is not answered in
   * time.
   */
  public static final int KEEPALIVE_SECONDS = 60;

  public static final int KEEPALIVE_TIMEOUT_SECONDS = 20;

  /** HTTP/2 rapid reset: more stream resets than this in 10 s closes the connection. */
  public static final int MAX_RESETS_PER_10_SECONDS = 200;

  private GrpcServerLimits() {}

  /**
   * Applies the limits, with this largest request message (the metadata limit is the same
   * everywhere).
   */
  public static NettyServerBuilder apply(NettyServerBuilder builder, int maxRequestBytes) {
    return builder
        .maxInboundMessageSize(maxRequestBytes)
        .maxInboundMetadataSize(CaGrpcServer.MAX_METADATA_BYTES)
        .handshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
        .maxConnectionIdle(MAX_CONNECTION_IDLE_MINUTES, TimeUnit.MINUTES)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .maxRstFramesPerWindow(MAX_RESETS_PER_10_SECONDS, 10);
  }
}
