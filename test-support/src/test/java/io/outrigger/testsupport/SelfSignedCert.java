package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A self-signed EC certificate made by the real openssl, for tests that need real TLS. */
record SelfSignedCert(Path certFile, Path keyFile) {

  static SelfSignedCert create(Path dir, String commonName) {
    Prerequisites.requireCommand("openssl");
    Path cert = dir.resolve(commonName + ".crt");
    Path key = dir.resolve(commonName + ".key");
    Commands.run(
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=" + commonName,
                "-addext",
                "subjectAltName=DNS:" + commonName + ",IP:127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString()),
            Map.of(),
            null,
            Duration.ofSeconds(30))
        .orThrow("openssl req for " + commonName);
    return new SelfSignedCert(cert, key);
  }

  String certPem() {
    return read(certFile);
  }

  String keyPem() {
    return read(keyFile);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
