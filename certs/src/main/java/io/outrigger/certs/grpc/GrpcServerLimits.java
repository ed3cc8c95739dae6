package io.outrigger.certs.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What every gRPC server of Outrigger (the CA, the control plane's TLS and loopback plaintext xDS
 * ports) allows one client, so that a slow or oversized one cannot exhaust memory or threads
 * (docs/limits.md). Netty serves every connection on a fixed event loop, so connections cost
 * memory, not threads; gRPC-java has no cap on their number, so each server gets a {@link
 * ConnectionCap}, and these bound how long a useless connection lives.
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

  /**
   * Open connections per server (per port) unless {@code -Doutrigger.grpc.maxConnections} says
   * otherwise: four times the 1,000 proxies the xDS benchmark serves from one control plane, and a
   * bound on what connections can cost it (a connection stalled before its handshake lives at most
   * {@link #HANDSHAKE_TIMEOUT_SECONDS}).
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;

  public static final String MAX_CONNECTIONS_PROPERTY = "outrigger.grpc.maxConnections";

  private GrpcServerLimits() {}

  /** The connection limit in force: the system property, else {@link #DEFAULT_MAX_CONNECTIONS}. */
  public static int maxConnections() {
    String value = System.getProperty(MAX_CONNECTIONS_PROPERTY);
    if (value == null || value.isBlank()) {
      return DEFAULT_MAX_CONNECTIONS;
    }
    try {
      int max = Integer.parseInt(value.trim());
      if (max >= 1) {
        return max;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "-D" + MAX_CONNECTIONS_PROPERTY + "=" + value + ": must be a whole number of at least 1");
  }

  /**
   * The event loops of every capped server in this JVM (a capped server brings its own channel
   * type, and gRPC then needs loops of the same transport): one thread accepts, two per core serve,
   * as gRPC's own shared default. Daemon threads, never shut down, like gRPC's.
   */
  private static final class Loops {
    static final EventLoopGroup BOSS =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("outrigger-grpc-accept", true), NioIoHandler.newFactory());
    static final EventLoopGroup WORKERS =
        new MultiThreadIoEventLoopGroup(
            2 * Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("outrigger-grpc-io", true),
            NioIoHandler.newFactory());

    /**
     * Where the servers' call handlers run: a virtual thread per task. gRPC's default is a cached
     * pool of platform threads, one per handler running at once: in the control-plane soak (200
     * proxies ACKing each push together, docs/reliability.md) it held 80 threads more than at rest,
     * ending only after 60 s idle.
     */
    static final Executor CALLS =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("outrigger-grpc-call-", 0).factory());
  }

  /**
   * As {@link #apply(NettyServerBuilder, int, ConnectionCap)} with a cap of {@link
   * #maxConnections()} named {@code server}.
   */
  public static NettyServerBuilder apply(
      NettyServerBuilder builder, int maxRequestBytes, String server) {
    return apply(builder, maxRequestBytes, new ConnectionCap(server, maxConnections()));
  }

  /** Applies the limits, with this largest request message and this connection cap. */
  public static NettyServerBuilder apply(
      NettyServerBuilder builder, int maxRequestBytes, ConnectionCap cap) {
    return apply(builder, maxRequestBytes)
        .channelFactory(cap.channelFactory())
        .bossEventLoopGroup(Loops.BOSS)
        .workerEventLoopGroup(Loops.WORKERS)
        .executor(Loops.CALLS);
  }

  /** The limits other than the connection cap (the metadata limit is the same everywhere). */
  private static NettyServerBuilder apply(NettyServerBuilder builder, int maxRequestBytes) {
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
