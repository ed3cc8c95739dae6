package io.outrigger.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Slowloris: connections that start a request and never finish it, held open against a server under
 * test. Each sends {@code start} (a TLS record header, or after a real handshake a request line and
 * one header) and then nothing. {@link #closedByServer} counts the connections the server has
 * closed.
 */
public final class SlowClients implements AutoCloseable {
  private final List<Socket> sockets = new ArrayList<>();

  private SlowClients() {}

  /**
   * {@code count} plain TCP connections that send {@code start} and stall (bounded: at most 2,000).
   */
  public static SlowClients open(String host, int port, int count, byte[] start) {
    return open(host, port, count, start, Socket::new, s -> {});
  }

  /** {@code count} TLS connections that complete the handshake, send {@code start} and stall. */
  public static SlowClients openTls(
      SSLSocketFactory tls, String host, int port, int count, byte[] start) {
    return open(
        host,
        port,
        count,
        start,
        tls::createSocket,
        s -> {
          s.setSoTimeout(
              5000); // a server that cannot even handshake fails the test rather than hangs it
          ((SSLSocket) s).startHandshake();
        });
  }

  private interface SocketStep {
    void on(Socket s) throws IOException;
  }

  private interface SocketMaker {
    Socket make() throws IOException;
  }

  private static SlowClients open(
      String host, int port, int count, byte[] start, SocketMaker maker, SocketStep afterConnect) {
    SlowClients clients = new SlowClients();
    try {
      for (int i = 0; i < Math.min(count, 2000); i++) {
        Socket s = maker.make();
        clients.sockets.add(s);
        s.connect(new InetSocketAddress(host, port), 5000);
        afterConnect.on(s);
        s.getOutputStream().write(start);
        s.getOutputStream().flush();
      }
      return clients;
    } catch (IOException e) {
      clients.close();
      throw new UncheckedIOException(
          "slow client " + clients.sockets.size() + " to " + host + ":" + port, e);
    }
  }

  public int size() {
    return sockets.size();
  }

  /** How many of the connections the server has closed (a read sees end of stream or a reset). */
  public int closedByServer() {
    int closed = 0;
    for (Socket s : sockets) {
      try {
        s.setSoTimeout(1);
        InputStream in = s.getInputStream();
        int b = in.read();
        while (b >= 0) {
          b = in.read();
        }
        closed++;
      } catch (SocketTimeoutException e) {
        // still open
      } catch (IOException e) {
        closed++;
      }
    }
    return closed;
  }

  /** The JVM's live platform threads (virtual threads are not counted). */
  public static int platformThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /**
   * Waits until the server closed them all; returns how long that took, or fails after {@code
   * limit}.
   */
  public Duration awaitAllClosed(Duration limit) throws InterruptedException {
    long start = System.nanoTime();
    while (closedByServer() < sockets.size()) {
      if (System.nanoTime() - start > limit.toNanos()) {
        throw new AssertionError(
            "after "
                + limit
                + " the server still holds "
                + (sockets.size() - closedByServer())
                + " of "
                + sockets.size()
                + " slow connections");
      }
      Thread.sleep(250);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Override
  public void close() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a test's socket
      }
    }
  }
}
