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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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

  record Sample(int minute, long heapBytes, int threads, String load) {}

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
    JvmProbe self = new JvmProbe(ProcessHandle.current().pid());
    List<Sample> samples = new ArrayList<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    for (int m = 1; m <= MINUTES; m++) {
      int minute = m;
      long delay = warmupEnd + Duration.ofMinutes(m).toNanos() - System.nanoTime() - 5_000_000_000L;
      sampler.schedule(
          () -> {
            try {
              samples.add(
                  new Sample(minute, self.heapAfterGcBytes(), self.threads(), JvmProbe.loadAverage()));
              if (minute == 1 || minute == MINUTES) {
                System.out.println("heap, minute " + minute + ":\n" + self.topClasses(15));
              }
            } catch (Exception e) {
              System.out.println("sample of minute " + minute + " failed: " + e);
            }
          },
          Math.max(0, delay),
          TimeUnit.NANOSECONDS);
    }
    for (Thread t : threads) {
      t.join(Duration.ofMinutes(MINUTES).toMillis() + WARMUP.toMillis() + 60_000);
    }
    sampler.shutdown();
    sampler.awaitTermination(2, TimeUnit.MINUTES);

    List<SoakMinutes.Minute> result = minutes.minutes();
    System.out.println(SoakMinutes.HEADER);
    result.forEach(m -> System.out.println(m.row()));
    System.out.println("| minute | heap after GC (5 s before its end) | threads | load average |");
    System.out.println("|---|---|---|---|");
    samples.forEach(
        s ->
            System.out.printf(
                "| %d | %s | %d | %s |%n",
                s.minute(), JvmProbe.mib(s.heapBytes()), s.threads(), s.load()));
    SoakMinutes.Minute first = result.get(0);
    SoakMinutes.Minute last = result.get(result.size() - 1);
    long errors = result.stream().mapToLong(SoakMinutes.Minute::errors).sum();
    long calls = result.stream().mapToLong(SoakMinutes.Minute::requests).sum();
    List<String> failures = new ArrayList<>();
    double p99 = JvmProbe.change(first.p99Ms(), last.p99Ms());
    if (p99 > 0.25 && last.p99Ms() - first.p99Ms() > 2.0) {
      failures.add(String.format("p99 rose %.2f -> %.2f ms", first.p99Ms(), last.p99Ms()));
    }
    if (errors > 0) {
      failures.add(errors + " calls failed");
    }
    String heap = "no samples";
    if (samples.size() >= 2) {
      Sample a = samples.get(0);
      Sample b = samples.get(samples.size() - 1);
      double h = JvmProbe.change(a.heapBytes(), b.heapBytes());
      double th = JvmProbe.change(a.threads(), b.threads());
      heap =
          String.format(
              "%s -> %s (%+.1f %%), threads %d -> %d (%+.1f %%)",
              JvmProbe.mib(a.heapBytes()), JvmProbe.mib(b.heapBytes()), h * 100, a.threads(),
              b.threads(), th * 100);
      if (Math.abs(h) > 0.10 || Math.abs(th) > 0.10) {
        failures.add("heap or threads changed more than 10 %: " + heap);
      }
    } else {
      failures.add("fewer than 2 heap samples");
    }
    System.out.printf(
        "SUMMARY %d certificates in %d min (%.0f/s), %d failed; minute 1 -> %d: %.0f/s p99 %.2f ms -> %.0f/s p99 %.2f ms (%+.1f %%); heap after GC %s%n",
        calls, MINUTES, calls / (MINUTES * 60.0), errors, MINUTES, first.perSecond(), first.p99Ms(),
        last.perSecond(), last.p99Ms(), p99 * 100, heap);
    failures.forEach(f -> System.out.println("FAILURE " + f));
    return failures.isEmpty();
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
