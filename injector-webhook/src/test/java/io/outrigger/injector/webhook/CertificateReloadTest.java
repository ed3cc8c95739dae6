package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.injector.TestCertificates;
import io.outrigger.injector.inject.InjectorConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving certificate is replaced on disk while the server runs, as a Secret update does. */
class CertificateReloadTest {

  @TempDir Path dir;

  @Test
  void newConnectionsGetTheNewCertificateWithoutRestart() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestCertificates.selfSigned(cert, key, "webhook-before", "ec");
    // The client trusts copies: tls.crt itself is replaced below, and a handshake that still gets
    // the
    // old certificate during the reload must verify, not fail for a trust file that moved on.
    Path beforeCert = Files.copy(cert, dir.resolve("before.crt"));
    Path nextCert = dir.resolve("next.crt");
    Path nextKey = dir.resolve("next.key");
    TestCertificates.selfSigned(nextCert, nextKey, "webhook-after", "rsa");
    // cert-manager writes RSA keys as PKCS#1; the server must read that form too.
    Path pkcs1 = dir.resolve("next-pkcs1.key");
    run("openssl", "pkey", "-in", nextKey.toString(), "-traditional", "-out", pkcs1.toString());
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

    WebhookSettings settings =
        new WebhookSettings(
            new InetSocketAddress("127.0.0.1", 0),
            cert,
            key,
            Duration.ofMillis(100),
            InjectorConfig.defaults(),
            WebhookSettings.DEFAULT_MAX_BODY);
    try (WebhookServer server = WebhookServer.start(settings)) {
      URI health = URI.create("https://127.0.0.1:" + server.address().getPort() + "/healthz");
      assertThat(peerCommonName(health, beforeCert, nextCert)).isEqualTo("CN=webhook-before");

      // Key first, then the certificate, each replaced atomically like a Secret volume update.
      Files.copy(pkcs1, dir.resolve("key.tmp"));
      Files.move(dir.resolve("key.tmp"), key, StandardCopyOption.ATOMIC_MOVE);
      Files.copy(nextCert, dir.resolve("cert.tmp"));
      Files.move(dir.resolve("cert.tmp"), cert, StandardCopyOption.ATOMIC_MOVE);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      String seen = peerCommonName(health, beforeCert, nextCert);
      while (!seen.equals("CN=webhook-after") && System.nanoTime() < deadline) {
        Thread.sleep(150);
        seen = peerCommonName(health, beforeCert, nextCert);
      }
      assertThat(seen).isEqualTo("CN=webhook-after");
      assertThat(server.servingCertificate().getSubjectX500Principal().getName())
          .isEqualTo("CN=webhook-after");
    }
  }

  /** A fresh client per call, so every call is a new TLS handshake. */
  private static String peerCommonName(URI uri, Path... trusted) throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(TestCertificates.trusting(trusted))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    try (client) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      X509Certificate peer =
          (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
      return peer.getSubjectX500Principal().getName();
    }
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), output).isZero();
  }
}
