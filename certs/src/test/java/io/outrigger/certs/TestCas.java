package io.outrigger.certs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** CA directories for tests: a plug-in intermediate whose root and intermediate openssl makes. */
public final class TestCas {

  static final String INTERMEDIATE_EXTENSIONS =
      """
      [v3_intermediate]
      basicConstraints = critical, CA:TRUE, pathlen:0
      keyUsage = critical, keyCertSign, cRLSign
      subjectKeyIdentifier = hash
      authorityKeyIdentifier = keyid:always
      """;

  private TestCas() {}

  /**
   * Writes an Istio cacerts directory at {@code caDir}: an openssl root (the operator's offline
   * root) and an intermediate it signed, with the intermediate's key 0600.
   */
  public static void opensslIntermediate(Openssl openssl, Path caDir) {
    openssl.run(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "root-key.pem",
        "-out",
        "root-cert.pem",
        "-days",
        "30",
        "-subj",
        "/O=example.org/CN=Operator Root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    openssl.run(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.csr",
        "-subj",
        "/O=example.org/CN=Mesh Intermediate");
    openssl.write("ext.cnf", INTERMEDIATE_EXTENSIONS);
    openssl.run(
        "x509",
        "-req",
        "-in",
        "ca.csr",
        "-CA",
        "root-cert.pem",
        "-CAkey",
        "root-key.pem",
        "-CAcreateserial",
        "-days",
        "20",
        "-out",
        "ca-cert.pem",
        "-extfile",
        "ext.cnf",
        "-extensions",
        "v3_intermediate");
    try {
      Files.createDirectories(caDir);
      Files.writeString(caDir.resolve("ca-cert.pem"), openssl.read("ca-cert.pem"));
      Files.writeString(caDir.resolve("ca-key.pem"), openssl.read("ca-key.pem"));
      Files.setPosixFilePermissions(
          caDir.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-------"));
      Files.writeString(
          caDir.resolve("cert-chain.pem"),
          openssl.read("ca-cert.pem") + openssl.read("root-cert.pem"));
      Files.writeString(caDir.resolve("root-cert.pem"), openssl.read("root-cert.pem"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
