package io.outrigger.certs.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.Openssl;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA server's connection limit: with a limit of 3, three clients are served over their own
 * connections, a fourth connection is closed before its handshake (UNAVAILABLE, counted), the three
 * go on being served, and a connection freed is taken by the next client. Real TLS and gRPC on
 * loopback.
 */
class ConnectionCapTest {
  private static final String AUTHORITY = "outrigger-ca.outrigger-system.svc";
  private static final WorkloadIdentity CALLER = new WorkloadIdentity("default", "reviews");

  @TempDir Path caDir;
  @RegisterExtension static final Openssl openssl = new Openssl();

  @Test
  void aConnectionOverTheLimitIsRefusedWhileTheOpenOnesAreServed() throws Exception {
    MeshCa ca = MeshCa.loadOrInit(caDir, CaSettings.defaults(), new SimpleMeterRegistry());
    HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, "outrigger-host");
    ConnectionCap cap = new ConnectionCap("ca-test", 3);
    IstioCertificateRequest request = request();
    List<ManagedChannel> channels = new ArrayList<>();
    try (CaGrpcServer server =
        CaGrpcServer.start(
            () -> ca,
            tokens.verifier(List.of("outrigger")),
            new InetSocketAddress("127.0.0.1", 0),
            SpiffeId.parse("spiffe://cluster.local/ns/outrigger-system/sa/outrigger"),
            List.of(AUTHORITY),
            cap)) {
      ChannelCredentials tls =
          TlsChannelCredentials.newBuilder()
              .trustManager(
                  new ByteArrayInputStream(
                      ca.trustBundle().pem().getBytes(StandardCharsets.US_ASCII)))
              .build();
      String token = tokens.mint(CALLER, List.of("outrigger"), Duration.ofMinutes(10));
      for (int i = 0; i < 4; i++) {
        channels.add(
            Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls)
                .overrideAuthority(AUTHORITY)
                .build());
      }
      for (int i = 0; i < 3; i++) {
        assertThat(call(channels.get(i), token, request).getCertChainCount())
            .as("client %d within the limit", i)
            .isGreaterThanOrEqualTo(2);
      }
      assertThat(cap.open()).isEqualTo(3);

      assertThatThrownBy(() -> call(channels.get(3), token, request))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(cap.refused()).as("refusals counted").isPositive();
      assertThat(cap.open()).as("the refused connection is not counted open").isEqualTo(3);

      for (int i = 0; i < 3; i++) {
        assertThat(call(channels.get(i), token, request).getCertChainCount())
            .as("client %d after the refusal, on its open connection", i)
            .isGreaterThanOrEqualTo(2);
      }

      channels.get(0).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> cap.open() == 2);
      // The fourth client's channel retries with its back-off; a call that waits for it is
      // served.
      assertThat(
              IstioCertificateServiceGrpc.newBlockingStub(channels.get(3))
                  .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)))
                  .withWaitForReady()
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .createCertificate(request)
                  .getCertChainCount())
          .as("the fourth client once a connection is free")
          .isGreaterThanOrEqualTo(2);
      System.out.printf(
          "CA connection cap 3: refused %d connection attempts of the fourth client, the other"
              + " three served throughout; served once one closed%n",
          cap.refused());
    } finally {
      for (ManagedChannel c : channels) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aLimitBelowOneIsRefusedByName() {
    assertThatThrownBy(() -> new ConnectionCap("xds-tls", 0))
        .hasMessageContaining("xds-tls")
        .hasMessageContaining("at least 1");
  }

  private static io.outrigger.certs.grpc.proto.IstioCertificateResponse call(
      ManagedChannel channel, String token, IstioCertificateRequest request) {
    return IstioCertificateServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createCertificate(request);
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(CallerAuthInterceptor.AUTHORIZATION, "Bearer " + token);
    return headers;
  }

  private static IstioCertificateRequest request() {
    openssl.run(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "w.key");
    openssl.run(
        "req",
        "-new",
        "-key",
        "w.key",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:spiffe://cluster.local/ns/default/sa/reviews",
        "-out",
        "w.csr");
    return IstioCertificateRequest.newBuilder()
        .setCsr(openssl.read("w.csr"))
        .setValidityDuration(3600)
        .build();
  }
}
