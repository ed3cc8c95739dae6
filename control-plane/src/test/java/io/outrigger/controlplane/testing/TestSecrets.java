package io.outrigger.controlplane.testing;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.outrigger.controlplane.generate.naming.ConfigSources;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The two SDS secrets every generated config refers to ("default" and "ROOTCA"), made by the real
 * openssl: a throwaway root and a SPIFFE leaf it signs. The xds engineer serves the real ones from
 * certs/; generation tests only need Envoy to accept the references.
 */
public final class TestSecrets {
  private TestSecrets() {}

  public static List<Secret> create(Path dir, String spiffeId) {
    Prerequisites.requireCommand("openssl");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/O=outrigger-test-root");
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/O=outrigger-test");
    write(dir.resolve("leaf.ext"), "subjectAltName=critical,URI:" + spiffeId + "\n");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "1",
        "-extfile",
        "leaf.ext");
    Secret workload =
        Secret.newBuilder()
            .setName(ConfigSources.WORKLOAD_SECRET)
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(inline(dir.resolve("leaf.pem")))
                    .setPrivateKey(inline(dir.resolve("leaf.key"))))
            .build();
    Secret root =
        Secret.newBuilder()
            .setName(ConfigSources.ROOT_SECRET)
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(inline(dir.resolve("ca.pem"))))
            .build();
    return List.of(workload, root);
  }

  private static void openssl(Path dir, String... args) {
    try {
      List<String> command = new java.util.ArrayList<>(List.of("openssl"));
      command.addAll(List.of(args));
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run openssl", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running openssl", e);
    }
  }

  private static DataSource inline(Path file) {
    try {
      return DataSource.newBuilder().setInlineString(Files.readString(file)).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
