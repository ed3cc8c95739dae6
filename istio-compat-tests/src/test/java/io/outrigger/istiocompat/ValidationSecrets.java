package io.outrigger.istiocompat;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's /config_dump redacts private keys, so a dumped SDS certificate cannot be validated as is.
 * This puts a real key pair in its place (made by openssl, with the same SPIFFE SAN shape), so that
 * {@code envoy --mode validate} checks the listeners and clusters that reference the secret.
 */
final class ValidationSecrets {
  private final String keyPem;
  private final String certPem;

  private ValidationSecrets(String keyPem, String certPem) {
    this.keyPem = keyPem;
    this.certPem = certPem;
  }

  static ValidationSecrets create(Path dir) {
    Path key = dir.resolve("validation-key.pem");
    Path cert = dir.resolve("validation-cert.pem");
    run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-days",
            "1",
            "-subj",
            "/O=outrigger-e2e-validation",
            "-addext",
            "subjectAltName=URI:spiffe://cluster.local/ns/validation/sa/validation"));
    try {
      return new ValidationSecrets(Files.readString(key), Files.readString(cert));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the validation key pair in " + dir, e);
    }
  }

  /** The secret with its (redacted) key and certificate replaced by the validation pair. */
  Secret unredacted(Secret dumped) {
    if (!dumped.hasTlsCertificate()) {
      return dumped;
    }
    return dumped.toBuilder()
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(certPem))
                .setPrivateKey(DataSource.newBuilder().setInlineString(keyPem)))
        .build();
  }

  private static void run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("openssl failed making the validation key pair: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running openssl", e);
    }
  }
}
