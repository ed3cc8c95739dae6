package io.outrigger.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Serving certificates made by the real openssl, and clients that trust exactly them. */
public final class TestCertificates {

  private TestCertificates() {}

  /** A self-signed certificate for 127.0.0.1 with the given CN; {@code ec} or {@code rsa} key. */
  public static void selfSigned(Path cert, Path key, String commonName, String keyType)
      throws Exception {
    selfSigned(cert, key, commonName, keyType, "IP:127.0.0.1,DNS:localhost");
  }

  /** As above, with the given subjectAltName list (openssl syntax). */
  public static void selfSigned(Path cert, Path key, String commonName, String keyType, String sans)
      throws Exception {
    Prerequisites.requireCommand("openssl");
    List<String> keyArgs =
        keyType.equals("rsa")
            ? List.of("-newkey", "rsa:2048")
            : List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    List<String> command = new java.util.ArrayList<>(List.of("openssl", "req", "-x509"));
    command.addAll(keyArgs);
    command.addAll(
        List.of(
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-days",
            "1",
            "-subj",
            "/CN=" + commonName,
            "-addext",
            "subjectAltName=" + sans));
    Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as("openssl req failed: %s", output).isZero();
  }

  public static X509Certificate read(Path cert)
      throws IOException, java.security.GeneralSecurityException {
    try (InputStream in = Files.newInputStream(cert)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /** A TLS context that trusts only these certificates. */
  public static SSLContext trusting(Path... certs) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < certs.length; i++) {
      store.setCertificateEntry("trusted-" + i, read(certs[i]));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
