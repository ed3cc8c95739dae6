package io.outrigger.certs.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import io.outrigger.certs.grpc.proto.IstioCertificateResponse;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc.IstioCertificateServiceBlockingStub;
import io.outrigger.certs.x509.Pem;
import io.outrigger.testsupport.SlowClients;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's CreateCertificate over TLS on loopback, called by a plain gRPC client generated from the
 * proto, with real host-mode tokens and openssl-made CSRs.
 */
class CertificateServiceTest {

  private static final String AUTHORITY = "outrigger-ca.outrigger-system.svc";
  private static final WorkloadIdentity REVIEWS = new WorkloadIdentity("default", "reviews");
  private static final String REVIEWS_URI = "spiffe://cluster.local/ns/default/sa/reviews";

  @TempDir static Path caDir;
  @RegisterExtension static final Openssl openssl = new Openssl();
  private static MeshCa ca;
  private static HostModeTokens tokens;
  private static CaGrpcServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    openssl.run(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "workload.key");
    ca = MeshCa.loadOrInit(caDir, CaSettings.defaults(), new SimpleMeterRegistry());
    tokens = HostModeTokens.loadOrInit(caDir, "outrigger-host");
    server =
        CaGrpcServer.start(
            () -> ca,
            tokens.verifier(List.of("outrigger")),
            new InetSocketAddress("127.0.0.1", 0),
            SpiffeId.parse("spiffe://cluster.local/ns/outrigger-system/sa/outrigger"),
            List.of(AUTHORITY));
    ChannelCredentials tls =
        TlsChannelCredentials.newBuilder()
            .trustManager(
                new ByteArrayInputStream(
                    ca.trustBundle().pem().getBytes(StandardCharsets.US_ASCII)))
            .build();
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls)
            .overrideAuthority(AUTHORITY)
            .build();
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

  private static IstioCertificateServiceBlockingStub stub(String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(CallerAuthInterceptor.AUTHORIZATION, "Bearer " + token);
    }
    return IstioCertificateServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static IstioCertificateRequest request(String uri) {
    openssl.run(
        "req",
        "-new",
        "-key",
        "workload.key",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:" + uri,
        "-out",
        "request.pem");
    return IstioCertificateRequest.newBuilder()
        .setCsr(openssl.read("request.pem"))
        .setValidityDuration(3600)
        .build();
  }

  private static String token() {
    return tokens.mint(REVIEWS, List.of("outrigger"), Duration.ofMinutes(10));
  }

  @Test
  void issuesTheCallersCertificateLeafFirstRootLast() throws Exception {
    double issuedBefore = ca.metrics().issuedCount("csr");
    IstioCertificateResponse response = stub(token()).createCertificate(request(REVIEWS_URI));

    List<X509Certificate> chain =
        response.getCertChainList().stream().map(CertificateServiceTest::parse).toList();
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).getSubjectAlternativeNames()).containsExactly(List.of(6, REVIEWS_URI));
    assertThat(chain.get(1)).isEqualTo(ca.signingRoot());
    assertThat(Duration.between(Instant.now(), chain.get(0).getNotAfter().toInstant()))
        .isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
    // What an Istio agent does: the last element is the root, the rest is the chain to check.
    PKIXParameters params =
        new PKIXParameters(Set.of(new TrustAnchor(chain.get(chain.size() - 1), null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509")
                .generateCertPath(chain.subList(0, chain.size() - 1)),
            params);
    assertThat(ca.metrics().issuedCount("csr")).isEqualTo(issuedBefore + 1);
  }

  @Test
  void noTokenIsUnauthenticatedAndIssuesNothing() {
    assertRefused(
        stub(null), request(REVIEWS_URI), Status.Code.UNAUTHENTICATED, "no token", "token_missing");
  }

  @Test
  void anExpiredTokenIsUnauthenticated() {
    Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    String expired =
        HostModeTokens.loadOrInit(caDir, "outrigger-host", twoHoursAgo)
            .mint(REVIEWS, List.of("outrigger"), Duration.ofHours(1));
    assertRefused(
        stub(expired),
        request(REVIEWS_URI),
        Status.Code.UNAUTHENTICATED,
        "expired",
        "token_expired");
  }

  @Test
  void aTokenForAnotherAudienceIsUnauthenticated() {
    String wrongAudience =
        tokens.mint(REVIEWS, List.of("https://kubernetes.default.svc"), Duration.ofMinutes(5));
    assertRefused(
        stub(wrongAudience),
        request(REVIEWS_URI),
        Status.Code.UNAUTHENTICATED,
        "include none of [outrigger]",
        "token_wrong_audience");
  }

  @Test
  void aCsrForAnotherIdentityIsPermissionDenied() {
    assertRefused(
        stub(token()),
        request("spiffe://cluster.local/ns/default/sa/ratings"),
        Status.Code.PERMISSION_DENIED,
        "authenticated as " + REVIEWS_URI,
        "identity_mismatch");
  }

  @Test
  void aCsrThatIsNotPemIsInvalid() {
    IstioCertificateRequest garbage = IstioCertificateRequest.newBuilder().setCsr("hello").build();
    assertRefused(
        stub(token()),
        garbage,
        Status.Code.INVALID_ARGUMENT,
        "CERTIFICATE REQUEST",
        "malformed_csr");
  }

  @Test
  void aCsrLongerThanTheLimitIsInvalidBeforeItIsParsed() {
    IstioCertificateRequest longCsr =
        IstioCertificateRequest.newBuilder()
            .setCsr("-----BEGIN CERTIFICATE REQUEST-----\n" + "A".repeat(Pem.MAX_CSR_CHARS) + "\n")
            .build();
    assertRefused(
        stub(token()),
        longCsr,
        Status.Code.INVALID_ARGUMENT,
        "longer than the limit of " + Pem.MAX_CSR_CHARS,
        "malformed_csr");
  }

  @Test
  void aRequestLargerThanTheServersLimitIsRefusedByTheTransport() {
    double issuedBefore = ca.metrics().issuedCount("csr");
    IstioCertificateRequest huge =
        IstioCertificateRequest.newBuilder()
            .setCsr("x".repeat(CaGrpcServer.MAX_REQUEST_BYTES + 1))
            .build();
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> stub(token()).createCertificate(huge));
    assertThat(e).as("call must fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ca.metrics().issuedCount("csr")).isEqualTo(issuedBefore);
  }

  /**
   * Slowloris: 500 connections stalled in the TLS handshake add no platform threads, do not delay a
   * call, and are closed after GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS (gRPC's default keeps
   * them 120 s). The xDS ports have the same limits (control-plane ServerSlowClientTest).
   */
  @Test
  void connectionsStalledInTheHandshakeTakeNoThreadsAndAreClosedAfterTheHandshakeTimeout()
      throws Exception {
    int threadsBefore = SlowClients.platformThreads();
    try (SlowClients stalled =
        SlowClients.open("127.0.0.1", server.port(), 500, new byte[] {0x16, 0x03, 0x01})) {
      long start = System.nanoTime();
      StatusRuntimeException answer =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  IstioCertificateServiceGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(
                          GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS - 2, TimeUnit.SECONDS)
                      .createCertificate(IstioCertificateRequest.newBuilder().setCsr("x").build()));
      Duration answered = Duration.ofNanos(System.nanoTime() - start);

      assertThat(answer.getStatus().getCode())
          .as("a call without a token beside 500 stalled connections")
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      // Before any stalled connection could have been closed: the call did not wait behind them.
      assertThat(answered)
          .isLessThan(Duration.ofSeconds(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS - 2));
      // A thread per connection would add one per slow client (300-500 here); the bound leaves room
      // for
      // the JVM's own (virtual-thread carriers, the HTTP client's), which once reached 21 on a
      // loaded machine.
      assertThat(SlowClients.platformThreads() - threadsBefore)
          .as("platform threads added")
          .isLessThan(100);
      Duration closed =
          stalled.awaitAllClosed(
              Duration.ofSeconds(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS + 10));
      System.out.printf(
          "CA slow clients: call answered in %d ms beside 500 stalled handshakes, closed within %d ms%n",
          answered.toMillis(), closed.toMillis());
    }
  }

  private static void assertRefused(
      IstioCertificateServiceBlockingStub stub,
      IstioCertificateRequest request,
      Status.Code code,
      String descriptionPart,
      String reason) {
    double issuedBefore = ca.metrics().issuedCount("csr");
    double rejectedBefore = ca.metrics().rejectedCount(reason);
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> stub.createCertificate(request));
    assertThat(e).as("call must fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).contains(descriptionPart);
    assertThat(ca.metrics().rejectedCount(reason)).isEqualTo(rejectedBefore + 1);
    assertThat(ca.metrics().issuedCount("csr")).isEqualTo(issuedBefore);
  }

  private static X509Certificate parse(String pem) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new AssertionError("not a PEM certificate: " + pem, e);
    }
  }
}
