package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.kube.ClusterSettings;
import io.outrigger.controlplane.xds.XdsTypes;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's own certificate is renewed while it runs: with a 4-second TTL a new handshake
 * on the TLS xDS port, and on the webhook port, soon gets a new certificate (still valid for the
 * server name, from the mesh CA), while a stream opened before the renewal keeps working on its
 * connection.
 */
public class ServingCertificateRotationTest {
  static final String NS = "demo";

  @TempDir Path work;

  @Test
  void aConnectionAfterRenewalSeesTheNewCertificateAndOldStreamsKeepGoing() throws Exception {
    TestRegistry registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write("workloads.yaml", TestRegistry.workload(NS, "pod-a", "a", "sa-a", 8080));
    ControlPlaneSettings settings =
        ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca"))
            .withCluster(
                ClusterSettings.none()
                    .withWebhookPort(0)
                    .withServingCertTtl(Duration.ofSeconds(4))
                    .withExtraServingNames(List.of("127.0.0.1")));
    try (ControlPlane controlPlane = ControlPlane.start(settings, new LoopbackTestConfig());
        RawAdsClient stream =
            new RawAdsClient(
                controlPlane.xdsTlsPort(),
                controlPlane.rootCertPem(),
                controlPlane.serverName(),
                controlPlane.mintToken(new WorkloadIdentity(NS, "sa-a"), Duration.ofMinutes(10)))) {
      stream.request(NS, "pod-a", "sa-a", XdsTypes.SECRET, List.of("default"));
      assertThat(stream.next(XdsTypes.SECRET, Duration.ofSeconds(10))).isNotNull();
      X509Certificate first = handshake(controlPlane, controlPlane.xdsTlsPort());
      assertThat(handshake(controlPlane, controlPlane.webhookPort()).getSerialNumber())
          .isEqualTo(first.getSerialNumber());
      assertThat(first.getNotAfter().getTime() - first.getNotBefore().getTime())
          .as("TTL plus the CA's backdate")
          .isLessThanOrEqualTo(Duration.ofSeconds(4 + 60).toMillis());

      X509Certificate[] renewed = new X509Certificate[1];
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                renewed[0] = handshake(controlPlane, controlPlane.xdsTlsPort());
                return !renewed[0].getSerialNumber().equals(first.getSerialNumber());
              });

      BigInteger serial = renewed[0].getSerialNumber();
      assertThat(serial).isEqualTo(controlPlane.servingCertificate().getSerialNumber());
      assertThat(renewed[0].getNotAfter()).isAfter(first.getNotAfter());
      assertThat(handshake(controlPlane, controlPlane.webhookPort()).getSerialNumber())
          .isEqualTo(serial);
      // The stream from before the renewal is still served on its own connection.
      stream.request(NS, "pod-a", "sa-a", XdsTypes.CLUSTER, List.of());
      assertThat(stream.next(XdsTypes.CLUSTER, Duration.ofSeconds(10))).isNotNull();
      assertThat(stream.closedWith(Duration.ZERO)).isNull();
    }
  }

  /** A TLS context that trusts exactly the mesh roots in {@code pem}. */
  public static SSLContext trusting(String pem) throws Exception {
    KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
    roots.load(null, null);
    int i = 0;
    for (Certificate c :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
      roots.setCertificateEntry("root-" + i++, c);
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(roots);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);
    return tls;
  }

  /**
   * A new TLS connection verifying the mesh root and the server name the sidecars verify (HTTPS
   * endpoint identification), offering h2 as gRPC clients do; returns the certificate presented.
   */
  static X509Certificate handshake(ControlPlane controlPlane, int port) throws Exception {
    SSLContext tls = trusting(controlPlane.rootCertPem());
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      try (SSLSocket socket =
          (SSLSocket)
              tls.getSocketFactory().createSocket(raw, controlPlane.serverName(), port, true)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
      }
    }
  }
}
