package io.outrigger.bench.xdsload;

import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/** How the simulated sidecars reach the control plane's ADS. */
sealed interface FleetTransport {

  /** A channel for one proxy; its calls run their callbacks on {@code callbacks}. */
  ManagedChannel channel(ProxyIdentity proxy, Executor callbacks);

  /** What the proxy attaches to its ADS call: its token, or nothing. */
  CallCredentials credentials(ProxyIdentity proxy);

  /**
   * Host mode's loopback plaintext port (the file registry): a proxy there is who its node says, so
   * no token and no particular source address.
   */
  record Plaintext(int port) implements FleetTransport {
    @Override
    public ManagedChannel channel(ProxyIdentity proxy, Executor callbacks) {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .usePlaintext()
          .executor(callbacks)
          .maxInboundMessageSize(MAX_RESPONSE_BYTES)
          .build();
    }

    @Override
    public CallCredentials credentials(ProxyIdentity proxy) {
      return null;
    }
  }

  /**
   * The TLS port as an injected sidecar dials it (the control plane in a cluster): the server is
   * verified with the mesh root under the name the injector gives sidecars, the proxy's
   * service-account token goes as {@code authorization: Bearer}, and the connection comes from the
   * proxy's pod IP, which is what the control plane's pod source check compares with the pod's
   * {@code status.podIPs} when pods and control plane share a network.
   *
   * @param host the control plane's address
   * @param rootPem the mesh root ({@code root-cert.pem} of the control plane's CA directory)
   * @param serverName the name in the control plane's certificate that sidecars verify
   */
  record Tls(String host, int port, String rootPem, String serverName) implements FleetTransport {
    /** What the default revision's injector gives its sidecars ({@code outrigger.NS.svc}). */
    static final String DEFAULT_SERVER_NAME = "outrigger.outrigger-system.svc";

    @Override
    public ManagedChannel channel(ProxyIdentity proxy, Executor callbacks) {
      InetSocketAddress source = new InetSocketAddress(literal(proxy.ip()), 0);
      return NettyChannelBuilder.forAddress(host, port, channelCredentials())
          .overrideAuthority(serverName)
          .localSocketPicker(
              new NettyChannelBuilder.LocalSocketPicker() {
                @Override
                public SocketAddress createSocketAddress(
                    SocketAddress remoteAddress, Attributes attrs) {
                  return source;
                }
              })
          .executor(callbacks)
          .maxInboundMessageSize(MAX_RESPONSE_BYTES)
          .build();
    }

    private ChannelCredentials channelCredentials() {
      try {
        return TlsChannelCredentials.newBuilder()
            .trustManager(new ByteArrayInputStream(rootPem.getBytes(StandardCharsets.US_ASCII)))
            .build();
      } catch (IOException e) {
        throw new UncheckedIOException("the mesh root is not PEM certificates", e);
      }
    }

    @Override
    public CallCredentials credentials(ProxyIdentity proxy) {
      if (proxy.token() == null) {
        throw new IllegalArgumentException(
            "proxy " + proxy + ": the TLS port needs a service-account token");
      }
      return new Bearer(proxy.token());
    }
  }

  int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

  /**
   * Fails with what to do when this process cannot use {@code podIp} as a source address: the
   * simulated pods' IPs (198.18.0.0/15) must be local, as they are in the network namespace {@code
   * bench/xds-load/pod-network.sh} runs the benchmark in.
   */
  static void requireLocal(String podIp) {
    // Bind and connect: in a network namespace without any route a bind alone succeeds.
    try (ServerSocket controlPlane = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket sidecar = new Socket()) {
      sidecar.bind(new InetSocketAddress(literal(podIp), 0));
      sidecar.connect(controlPlane.getLocalSocketAddress(), 1_000);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot use pod IP "
              + podIp
              + " as a source address towards loopback ("
              + e.getMessage()
              + "): the control plane admits a stream with a pod-bound token only from that pod's"
              + " IP, so the simulated sidecars dial from their pods' IPs; run the benchmark in a"
              + " network namespace where 198.18.0.0/15 is local: bench/xds-load/pod-network.sh"
              + " java ... (see BENCHMARKS.md)");
    }
  }

  /** An IP literal (never resolved). */
  private static InetAddress literal(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + ip, e);
    }
  }

  /** The service-account token as the sidecar bootstrap sends it. */
  final class Bearer extends CallCredentials {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String token;

    Bearer(String token) {
      this.token = token;
    }

    @Override
    public void applyRequestMetadata(
        RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    }
  }
}
