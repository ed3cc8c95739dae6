package io.outrigger.certs.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound on the open connections of one gRPC server, which gRPC-java does not have: a connection
 * accepted over the bound is closed at once, before its TLS handshake, so it costs the server
 * neither memory nor a read; the connections already open, and their streams, go on. The refused
 * client sees its connection closed (gRPC: UNAVAILABLE) and retries with its back-off. Refusals are
 * counted and logged, at most one WARN line per 10 s (docs/limits.md).
 */
public final class ConnectionCap {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final String server;
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  /**
   * @param server what the log lines name, e.g. {@code xds-tls}
   * @param max open connections allowed at once, at least 1
   */
  public ConnectionCap(String server, int max) {
    if (max < 1) {
      throw new IllegalArgumentException(
          "gRPC server " + server + ": connection limit " + max + " must be at least 1");
    }
    this.server = server;
    this.max = max;
  }

  public int max() {
    return max;
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /** Connections refused since the server started. */
  public long refused() {
    return refused.get();
  }

  /**
   * The server channel type that applies this cap, for {@code NettyServerBuilder.channelFactory}.
   */
  ChannelFactory<ServerChannel> channelFactory() {
    return () -> new CappedServerSocketChannel(this);
  }

  private boolean admit(Channel child) {
    if (open.incrementAndGet() <= max) {
      child.closeFuture().addListener(f -> open.decrementAndGet());
      return true;
    }
    open.decrementAndGet();
    long total = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= LOG_EVERY_NANOS && lastLogNanos.compareAndSet(last, now)) {
      log.warn(
          "event=grpc_connection_refused server={} limit={} remote={} refused_total={} "
              + "note=\"over the connection limit: closed before the handshake; "
              + "-Doutrigger.grpc.maxConnections raises it\"",
          server,
          max,
          child.remoteAddress(),
          total);
    }
    return false;
  }

  /** A NIO server socket whose accepted connections over the cap are closed at once. */
  private static final class CappedServerSocketChannel extends NioServerSocketChannel {
    private final ConnectionCap cap;

    CappedServerSocketChannel(ConnectionCap cap) {
      this.cap = cap;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
      int before = buf.size();
      int accepted = super.doReadMessages(buf);
      for (int i = buf.size() - 1; i >= before; i--) {
        Channel child = (Channel) buf.get(i);
        if (!cap.admit(child)) {
          buf.remove(i);
          accepted--;
          child.unsafe().closeForcibly();
        }
      }
      return accepted;
    }
  }
}
