package io.outrigger.certs.grpc;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.outrigger.certs.CaException;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.IssuedCertificate;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA service on a TLS port of its own, with a serving certificate from the CA itself. The
 * control plane hosts {@link CertificateService} on its 15012 server instead; this is for running
 * the CA alone and for tests.
 */
public final class CaGrpcServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CaGrpcServer.class);

  private final Server server;

  private CaGrpcServer(Server server) {
    this.server = server;
  }

  /**
   * Largest CreateCertificate request (docs/limits.md): a CSR of at most {@link
   * io.outrigger.certs.x509.Pem#MAX_CSR_CHARS} and a few fields; larger is RESOURCE_EXHAUSTED
   * before it is read.
   */
  public static final int MAX_REQUEST_BYTES = 64 * 1024;

  /**
   * Largest request metadata: the Bearer token (1-2 KiB) and gRPC's own headers; gRPC's default,
   * explicit.
   */
  public static final int MAX_METADATA_BYTES = 8 * 1024;

  /**
   * @param serverId the SPIFFE ID in the serving certificate
   * @param dnsNames host names clients use to reach the server (they check one of them)
   */
  public static CaGrpcServer start(
      Supplier<MeshCa> ca,
      CallerAuthenticator authenticator,
      InetSocketAddress bind,
      SpiffeId serverId,
      List<String> dnsNames) {
    return start(
        ca,
        authenticator,
        bind,
        serverId,
        dnsNames,
        new ConnectionCap("ca", GrpcServerLimits.maxConnections()));
  }

  /** As above, with this bound on open connections. */
  public static CaGrpcServer start(
      Supplier<MeshCa> ca,
      CallerAuthenticator authenticator,
      InetSocketAddress bind,
      SpiffeId serverId,
      List<String> dnsNames,
      ConnectionCap connections) {
    IssuedCertificate serving = ca.get().issueServing(serverId, dnsNames, Duration.ofDays(1));
    try {
      ServerCredentials tls =
          TlsServerCredentials.newBuilder()
              .keyManager(stream(serving.certificateChainPem()), stream(serving.privateKeyPem()))
              .build();
      Server server =
          GrpcServerLimits.apply(
                  NettyServerBuilder.forAddress(bind, tls), MAX_REQUEST_BYTES, connections)
              .addService(CertificateService.withAuthentication(ca, authenticator))
              .build()
              .start();
      log.info(
          "event=ca_server_started address={} port={} max_connections={}",
          bind.getHostString(),
          server.getPort(),
          connections.max());
      return new CaGrpcServer(server);
    } catch (IOException e) {
      throw new CaException("CA gRPC server on " + bind + ": cannot start: " + e.getMessage(), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
