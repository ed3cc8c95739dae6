package io.outrigger.certs.bench;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.CaGrpcServer;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateResponse;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc.IstioCertificateServiceBlockingStub;
import io.outrigger.testsupport.soak.JvmProbe;
import io.outrigger.testsupport.soak.SoakMinutes;
import io.outrigger.testsupport.soak.SoakVerdict;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Soak of the mesh CA (issue 13): Istio's CreateCertificate over TLS on loopback against {@link
 * CaGrpcServer} (the CA's own gRPC server, host-mode bearer tokens, the default crypto backend),
 * {@code bench.concurrency} (8) blocking clients in a closed loop for {@code bench.soakMinutes} (10)
 * after a warm-up. Latencies are kept per minute; the JVM's heap after GC (server and clients: the
 * clients hold nothing between calls) and threads are sampled at the end of every minute. Passes
 * when no call failed, the last minute's p99 is within 25 % (or 2 ms) of the first's, and the heap
 * after GC and the threads within 10 %. Exit status 1 otherwise.
 *
 * <p>Run: {@code bench/soak.sh ca} (bench/README.md).
 */
public final class CaSoak {
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 8);
  private static final int MINUTES = Integer.getInteger("bench.soakMinutes", 10);
  private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmup", 30));
  private static final long MAX_CALLS = 50_000_000L;
  private static final String AUTHORITY = "outrigger-ca.outrigger-system.svc";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private CaSoak() {}

  public static void main(String[] args) throws Exception {
    Path caDir = Files.createTempDirectory("outrigger-ca-soak-");
    boolean passed;
    try {
      MeshCa ca = MeshCa.loadOrInit(caDir, CaSettings.defaults(), new SimpleMeterRegistry());
      HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, "outrigger-host");
      try (CaGrpcServer server =
          CaGrpcServer.start(
              () -> ca,
              tokens.verifier(List.of("outrigger")),
              new InetSocketAddress("127.0.0.1", 0),
              SpiffeId.parse("spiffe://cluster.local/ns/outrigger-system/sa/outrigger"),
              List.of(AUTHORITY))) {
        ChannelCredentials tls =
            TlsChannelCredentials.newBuilder()
                .trustManager(
                    new ByteArrayInputStream(
                        ca.trustBundle().pem().getBytes(StandardCharsets.US_ASCII)))
                .build();
        List<ManagedChannel> channels = new ArrayList<>();
        try {
          for (int i = 0; i < CONCURRENCY; i++) {
            channels.add(
                Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), tls)
                    .overrideAuthority(AUTHORITY)
                    .build());
          }
          System.out.printf(
              "date=%s concurrency=%d minutes=%d warmup=%s backend=%s load=%s%n",
              Instant.now(), CONCURRENCY, MINUTES, WARMUP, CaSettings.defaults().crypto(),
              JvmProbe.loadAverage());
          passed = soak(channels, tokens);
        } finally {
          for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          }
        }
      }
    } finally {
      try (var files = Files.walk(caDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.println("RESULT ca soak " + (passed ? "PASSED" : "FAILED"));
    System.exit(passed ? 0 : 1);
  }

  private static boolean soak(List<ManagedChannel> channels, HostModeTokens tokens)
      throws Exception {
    long warmupEnd = System.nanoTime() + WARMUP.toNanos();
    long end = warmupEnd + Duration.ofMinutes(MINUTES).toNanos();
    SoakMinutes minutes = new SoakMinutes(warmupEnd, MINUTES);
    java.util.concurrent.atomic.AtomicLong issued = new java.util.concurrent.atomic.AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < CONCURRENCY; t++) {
      WorkloadIdentity caller = new WorkloadIdentity("soak", "workload-" + t);
      IstioCertificateRequest request = request(caller);
      Metadata headers = new Metadata();
      headers.put(
          AUTHORIZATION,
          "Bearer " + tokens.mint(caller, List.of("outrigger"), Duration.ofMinutes(MINUTES + 10)));
      IstioCertificateServiceBlockingStub stub =
          IstioCertificateServiceGrpc.newBlockingStub(channels.get(t))
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      SoakMinutes.Recorder recorder = minutes.recorder();
      threads.add(
          Thread.ofPlatform()
              .name("ca-soak-" + t)
              .start(
                  () -> {
                    while (System.nanoTime() < end && issued.incrementAndGet() <= MAX_CALLS) {
                      long sent = System.nanoTime();
                      boolean ok;
                      try {
                        IstioCertificateResponse r =
                            stub.withDeadlineAfter(10, TimeUnit.SECONDS).createCertificate(request);
                        ok = r.getCertChainCount() >= 2;
                      } catch (RuntimeException e) {
                        ok = false;
                      }
                      recorder.record(sent, System.nanoTime(), ok);
                    }
                  }));
    }
    SoakVerdict verdict =
        new SoakVerdict(new JvmProbe(ProcessHandle.current().pid()), "CA", warmupEnd, MINUTES);
    for (Thread t : threads) {
      t.join(Duration.ofMinutes(MINUTES).toMillis() + WARMUP.toMillis() + 60_000);
    }
    return verdict.judge(minutes.minutes(), "certificates").isEmpty();
  }

  /** A CSR for the caller's own SPIFFE ID (a fresh P-256 key per client thread). */
  private static IstioCertificateRequest request(WorkloadIdentity caller) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    String uri = "spiffe://cluster.local/ns/" + caller.namespace() + "/sa/" + caller.serviceAccount();
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(
        Extension.subjectAlternativeName,
        true,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
    byte[] der =
        new JcaPKCS10CertificationRequestBuilder(
                new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), key.getPublic())
            .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
            .getEncoded();
    String pem =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";
    return IstioCertificateRequest.newBuilder().setCsr(pem).setValidityDuration(3600).build();
  }
}
