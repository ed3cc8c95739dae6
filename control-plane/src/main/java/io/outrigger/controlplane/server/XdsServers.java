package io.outrigger.controlplane.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.outrigger.certs.AuthenticationException;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.CallerAuthInterceptor;
import io.outrigger.certs.grpc.CertificateService;
import io.outrigger.certs.grpc.GrpcServerLimits;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.security.BoundPodCheck;
import io.outrigger.controlplane.security.PeerAddress;
import io.outrigger.controlplane.security.WorkloadAdmission;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.telemetry.MetricsSinkService;
import io.outrigger.controlplane.xds.AdsService;
import io.outrigger.controlplane.xds.ProxyStreams;
import io.outrigger.controlplane.xds.SnapshotSource;
import io.outrigger.controlplane.xds.XdsMetrics;
import io.outrigger.injector.webhook.ServingKeyManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC ports: TLS (certificate from the mesh CA, every call token-authenticated) and, in host
 * mode only, a loopback plaintext port that authenticates nobody. Each port serves ADS and the
 * sidecars' metrics stream, both admitted the same way.
 */
final class XdsServers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsServers.class);
  static final WorkloadIdentity CONTROL_PLANE_IDENTITY =
      new WorkloadIdentity("outrigger-system", "outrigger-control-plane");

  /**
   * Largest DiscoveryRequest or CreateCertificate request (docs/limits.md): gRPC's default,
   * explicit. A DiscoveryRequest carries the node and resource names (a few KiB; an EDS request
   * naming every cluster of a large mesh, tens of KiB); larger is RESOURCE_EXHAUSTED before it is
   * read.
   */
  static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

  private final Server tls;
  private final Server plaintext;

  private XdsServers(Server tls, Server plaintext) {
    this.tls = tls;
    this.plaintext = plaintext;
  }

  /**
   * @param boundPods how pod-bound tokens are checked against their pod (in a cluster); empty: not
   *     at all
   */
  static XdsServers start(
      ControlPlaneSettings settings,
      Supplier<MeshCa> ca,
      ServingCertificate serving,
      CallerAuthenticator callers,
      Optional<BoundPodCheck> boundPods,
      Supplier<MeshConfig> mesh,
      SnapshotSource snapshots,
      ProxyStreams streams,
      XdsMetrics metrics,
      MeshTelemetry telemetry)
      throws IOException {
    List<Server> started = new ArrayList<>();
    try {
      WorkloadAdmission admission =
          boundPods
              .map(check -> WorkloadAdmission.authenticated(mesh, check))
              .orElseGet(() -> WorkloadAdmission.authenticated(mesh));
      AdsService ads = new AdsService(admission, snapshots, streams, metrics);
      Server tls =
          startTls(
              settings,
              ca,
              serving,
              callers,
              metrics,
              ads,
              new MetricsSinkService(admission, telemetry));
      started.add(tls);
      Server plaintext = null;
      if (settings.hostMode() && settings.xdsPlaintextPort() >= 0) {
        WorkloadAdmission claimed = WorkloadAdmission.loopbackUnauthenticated(mesh);
        InetSocketAddress loopback =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.xdsPlaintextPort());
        plaintext =
            bind(
                PortUnavailableException.Port.XDS_PLAINTEXT,
                loopback,
                GrpcServerLimits.apply(
                        NettyServerBuilder.forAddress(loopback), MAX_REQUEST_BYTES, "xds-plaintext")
                    .addService(new AdsService(claimed, snapshots, streams, metrics))
                    .addService(new MetricsSinkService(claimed, telemetry))
                    .build());
        log.warn(
            "event=xds_plaintext_listening address=127.0.0.1:{} authenticated=false "
                + "note=\"loopback only, host mode: a proxy here is who its node says it is\"",
            plaintext.getPort());
      }
      return new XdsServers(tls, plaintext);
    } catch (IOException | RuntimeException e) {
      started.forEach(Server::shutdownNow);
      throw e;
    }
  }

  /**
   * ADS, the metrics stream and Istio's CreateCertificate on one port, all behind token
   * authentication. The certificate is whatever {@code serving} holds at each handshake, so its
   * renewal reaches new connections.
   */
  private static Server startTls(
      ControlPlaneSettings settings,
      Supplier<MeshCa> ca,
      ServingCertificate serving,
      CallerAuthenticator callers,
      XdsMetrics metrics,
      AdsService ads,
      MetricsSinkService sink)
      throws IOException {
    TlsServerCredentials.Builder credentials =
        TlsServerCredentials.newBuilder().keyManager(new ServingKeyManager(serving));
    InetSocketAddress address =
        new InetSocketAddress(settings.bindAddress(), settings.xdsTlsPort());
    Server server =
        bind(
            PortUnavailableException.Port.XDS_TLS,
            address,
            GrpcServerLimits.apply(
                    NettyServerBuilder.forAddress(address, credentials.build()),
                    MAX_REQUEST_BYTES,
                    "xds-tls")
                .addService(
                    ServerInterceptors.intercept(
                        ads,
                        new CallerAuthInterceptor(
                            callers, refused -> metrics.refused(refusalCode(refused))),
                        new PeerAddress()))
                .addService(
                    ServerInterceptors.intercept(
                        sink,
                        new CallerAuthInterceptor(
                            callers, refused -> metrics.refused(refusalCode(refused))),
                        new PeerAddress()))
                .addService(CertificateService.withAuthentication(ca, callers))
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build());
    log.info(
        "event=xds_tls_listening address={}:{} services=ads,metrics,ca server_names={} authenticated=true max_connections={}",
        settings.bindAddress(),
        server.getPort(),
        settings.serverDnsNames(),
        GrpcServerLimits.maxConnections());
    return server;
  }

  /** The status a refused call was closed with (CallerAuthInterceptor). */
  private static String refusalCode(AuthenticationException refused) {
    return (refused.reason() == AuthenticationException.Reason.REVIEW_UNAVAILABLE
            ? Status.Code.UNAVAILABLE
            : Status.Code.UNAUTHENTICATED)
        .name();
  }

  // gRPC's start() fails with an IOException only when it cannot bind.
  private static Server bind(
      PortUnavailableException.Port port, InetSocketAddress address, Server server)
      throws PortUnavailableException {
    try {
      return server.start();
    } catch (IOException e) {
      throw new PortUnavailableException(port, address, e);
    }
  }

  int tlsPort() {
    return tls.getPort();
  }

  /** -1 when the plaintext port is off. */
  int plaintextPort() {
    return plaintext == null ? -1 : plaintext.getPort();
  }

  @Override
  public void close() {
    List<Server> all = plaintext == null ? List.of(tls) : List.of(tls, plaintext);
    all.forEach(Server::shutdownNow);
    ControlPlane.awaitTermination(all);
  }
}
