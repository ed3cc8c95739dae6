package io.outrigger.certs.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import io.outrigger.testsupport.SlowClients;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients against the CA's real TLS gRPC server (the same GrpcServerLimits as both xDS ports): 500
 * connections stalled in the TLS handshake add no platform threads, do not delay a real call, and are closed
 * after GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS (gRPC's default would keep them 120 s).
 */
class CaSlowClientTest {
  private static final String AUTHORITY = "outrigger-ca.outrigger-system.svc";
  private static final byte[] TLS_RECORD_START = {0x16, 0x03, 0x01};

  @TempDir static Path caDir;
  private static MeshCa ca;
  private static CaGrpcServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    ca = MeshCa.loadOrInit(caDir, CaSettings.defaults(), new SimpleMeterRegistry());
    HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, "outrigger-host");
    server = CaGrpcServer.start(() -> ca, tokens.verifier(List.of("outrigger")), new InetSocketAddress("127.0.0.1", 0),
        SpiffeId.parse("spiffe://cluster.local/ns/outrigger-system/sa/outrigger"), List.of(AUTHORITY));
    ChannelCredentials tls = TlsChannelCredentials.newBuilder()
        .trustManager(new ByteArrayInputStream(ca.trustBundle().pem().getBytes(StandardCharsets.US_ASCII))).build();
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls).overrideAuthority(AUTHORITY).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void connectionsStalledInTheHandshakeTakeNoThreadsAndAreClosedAfterTheHandshakeTimeout() throws Exception {
    int threadsBefore = SlowClients.platformThreads();
    try (SlowClients stalled = SlowClients.open("127.0.0.1", server.port(), 500, TLS_RECORD_START)) {
      long start = System.nanoTime();
      StatusRuntimeException answer = catchThrowableOfType(StatusRuntimeException.class, () ->
          IstioCertificateServiceGrpc.newBlockingStub(channel).withDeadlineAfter(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS - 2, TimeUnit.SECONDS)
              .createCertificate(IstioCertificateRequest.newBuilder().setCsr("x").build()));
      Duration answered = Duration.ofNanos(System.nanoTime() - start);

      assertThat(answer.getStatus().getCode()).as("a call without a token beside 500 stalled connections")
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      // Before any stalled connection could have been closed: the call did not wait behind them.
      assertThat(answered).isLessThan(Duration.ofSeconds(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS - 2));
      assertThat(SlowClients.platformThreads() - threadsBefore).as("platform threads added").isLessThan(20);
      Duration closed = stalled.awaitAllClosed(Duration.ofSeconds(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS + 10));
      System.out.printf("CA slow clients: call answered in %d ms beside 500 stalled handshakes, closed within %d ms%n",
          answered.toMillis(), closed.toMillis());
    }
  }
}
