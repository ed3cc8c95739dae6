package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.cli.TokenCommand;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.EnvoyOptions;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.Prerequisites;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Real Envoys with the injector's TLS + token bootstrap (google_grpc, file-based call credentials)
 * against the TLS xDS port: the rightful proxy gets config and its own SVID, proven by a real
 * handshake on the listener it serves; proxies with a foreign or invalid token get nothing at all.
 */
class TlsTokenEnvoyTest {
  static final String NS = "demo";
  static final String CLUSTER = "outbound|80||echo.demo.svc.cluster.local";

  @RegisterExtension static EnvoyExtension envoys = new EnvoyExtension();
  @TempDir static Path work;
  static NamedUpstream upstream;
  static ControlPlane controlPlane;
  static Path rootCert;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireEnvoy();
    upstream = new NamedUpstream("echo");
    TestRegistry registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write("services.yaml", TestRegistry.service(NS, "echo", "198.19.0.1", 80));
    registry.write(
        "workloads.yaml",
        TestRegistry.workload(NS, "echo-1", "echo", "echo", upstream.port())
            + TestRegistry.workload(NS, "client-a", "client", "sa-a", 1)
            + TestRegistry.workload(NS, "client-b", "client", "sa-b", 1)
            + TestRegistry.workload(NS, "client-c", "client", "sa-c", 1));
    controlPlane =
        ControlPlane.start(
            ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca")),
            new LoopbackTestConfig());
    rootCert = readable(work.resolve("root-cert.pem"), controlPlane.rootCertPem());
  }

  @AfterAll
  static void stop() {
    controlPlane.close();
    upstream.close();
  }

  static Path readable(Path file, String content) throws Exception {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  EnvoyProcess sidecar(String pod, String sa, String token, XdsApiType api) throws Exception {
    Path tokenFile = readable(work.resolve(pod + ".token"), token);
    return envoys.start(
        EnvoyOptions.onHost(
            HostSidecar.tlsBootstrap(
                NS,
                pod,
                sa,
                controlPlane.xdsTlsPort(),
                api,
                tokenFile,
                rootCert,
                controlPlane.serverName())));
  }

  @Test
  void tokenOfItsOwnIdentityGetsConfigAndItsSvid() throws Exception {
    String token = controlPlane.mintToken(new WorkloadIdentity(NS, "sa-a"), Duration.ofHours(1));
    for (XdsApiType api : List.of(XdsApiType.GRPC, XdsApiType.DELTA_GRPC)) {
      EnvoyProcess envoy = sidecar("client-a", "sa-a", token, api);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(
                          HostSidecar.listenerPort(envoy.admin(), CLUSTER)
                              .map(HostSidecar::get)
                              .orElse("none"))
                      .isEqualTo("200 echo"));
      int tlsPort =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      HostSidecar.listenerPort(envoy.admin(), LoopbackTestConfig.TLS_LISTENER)
                          .orElse(0),
                  p -> p > 0);

      X509Certificate served = handshake(tlsPort);
      assertThat(
              served.getSubjectAlternativeNames().stream()
                  .map(san -> String.valueOf(san.get(1)))
                  .toList())
          .containsExactly("spiffe://cluster.local/ns/demo/sa/sa-a");
      MonitoringClient monitoring = new MonitoringClient(controlPlane.monitoringPort());
      String id = BootstrapParams.sidecarNodeId("127.0.0.1", "client-a", NS);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> monitoring.proxy(id).map(MonitoringClient::inSync).orElse(false));
      assertThat(monitoring.proxy(id).orElseThrow().path("authenticated").asBoolean()).isTrue();
      assertThat(envoy.admin().stat("cluster_manager.cds.update_rejected")).isZero();
      envoy.close();
    }
  }

  /**
   * What a user does: {@code outrigger token ... > FILE} (stdout written to the file byte for byte,
   * as the shell does), and that file handed to a real Envoy. It used to end with a line break, and
   * Envoy failed every stream with gRPC status 13 before it reached the control plane.
   */
  @Test
  void theTokenCommandsOutputRedirectedToAFileIsSentByEnvoyAndAccepted() throws Exception {
    StringWriter stdout = new StringWriter();
    int exit =
        new CommandLine(new TokenCommand())
            .setOut(new PrintWriter(stdout))
            .execute(
                "--namespace",
                NS,
                "--service-account",
                "sa-a",
                "--ca-dir",
                work.resolve("ca").toString());
    assertThat(exit).isZero();
    Path tokenFile = readable(work.resolve("from-the-cli.token"), stdout.toString());

    EnvoyProcess envoy =
        envoys.start(
            EnvoyOptions.onHost(
                HostSidecar.tlsBootstrap(
                    NS,
                    "client-a",
                    "sa-a",
                    controlPlane.xdsTlsPort(),
                    XdsApiType.GRPC,
                    tokenFile,
                    rootCert,
                    controlPlane.serverName())));
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(
                          HostSidecar.listenerPort(envoy.admin(), CLUSTER)
                              .map(HostSidecar::get)
                              .orElse("none"))
                      .isEqualTo("200 echo"));
    } finally {
      envoy.close();
    }
  }

  @Test
  void foreignOrInvalidTokensGetNoConfigurationAtAll() throws Exception {
    // (Envoy's control_plane.connected_state flips to 1 while each refused stream is briefly open,
    // so the proof is what it holds: nothing.)
    double deniedBefore = controlPlane.xdsMetrics().refusedTotal("PERMISSION_DENIED");
    double unauthBefore = controlPlane.xdsMetrics().refusedTotal("UNAUTHENTICATED");
    // b's sidecar holding a's token, and c's sidecar holding a token the control plane never
    // signed.
    EnvoyProcess impostor =
        sidecar(
            "client-b",
            "sa-b",
            controlPlane.mintToken(new WorkloadIdentity(NS, "sa-a"), Duration.ofHours(1)),
            XdsApiType.GRPC);
    EnvoyProcess forger =
        sidecar("client-c", "sa-c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", XdsApiType.DELTA_GRPC);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                controlPlane.xdsMetrics().refusedTotal("PERMISSION_DENIED") > deniedBefore
                    && controlPlane.xdsMetrics().refusedTotal("UNAUTHENTICATED") > unauthBefore);
    for (EnvoyProcess envoy : List.of(impostor, forger)) {
      assertThat(HostSidecar.listenerPort(envoy.admin(), CLUSTER)).isEmpty();
      assertThat(PlaintextAdsEnvoyTest.activeClusters(envoy.admin().configDump())).isEmpty();
      assertThat(PlaintextAdsEnvoyTest.activeSecrets(envoy.admin().configDump())).isEmpty();
    }
    MonitoringClient monitoring = new MonitoringClient(controlPlane.monitoringPort());
    assertThat(monitoring.proxy(BootstrapParams.sidecarNodeId("127.0.0.1", "client-b", NS)))
        .isEmpty();
    assertThat(monitoring.proxy(BootstrapParams.sidecarNodeId("127.0.0.1", "client-c", NS)))
        .isEmpty();
  }

  /**
   * A real TLS handshake with the listener, trusting only the mesh root; returns the served leaf.
   */
  static X509Certificate handshake(int port) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    trust.setCertificateEntry(
        "root",
        x509.generateCertificate(
            new ByteArrayInputStream(controlPlane.rootCertPem().getBytes(StandardCharsets.UTF_8))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket)
            context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
