package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * What a test API server is started with, written by the real openssl into its own temp directory:
 * a serving certificate for 127.0.0.1, the service-account signing key (tokens are ES256 JWTs), and
 * a static token file with one cluster-admin token, so the test needs no client certificates.
 */
record KubeApiServerFiles(
    Path dir,
    Path servingCert,
    Path servingKey,
    Path serviceAccountKey,
    Path serviceAccountPublicKey,
    Path tokenFile,
    String adminToken) {

  static final String ADMIN_USER = "outrigger-test-admin";

  static KubeApiServerFiles create(Path dir) {
    Path servingCert = dir.resolve("serving.crt");
    Path servingKey = dir.resolve("serving.key");
    Path serviceAccountKey = dir.resolve("service-account.key");
    Path serviceAccountPublicKey = dir.resolve("service-account.pub");
    Path tokenFile = dir.resolve("tokens.csv");
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
                "2",
                "-subj",
                "/CN=outrigger-test-kube-apiserver",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                servingKey.toString(),
                "-out",
                servingCert.toString()))
        .orThrow("openssl: serving certificate for the test kube-apiserver");
    Commands.run(
            List.of(
                "openssl",
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                serviceAccountKey.toString()))
        .orThrow("openssl: service-account signing key for the test kube-apiserver");
    // --service-account-key-file reads public keys (or PKCS#1/SEC1 private keys), not PKCS#8 ones.
    Commands.run(
            List.of(
                "openssl",
                "pkey",
                "-in",
                serviceAccountKey.toString(),
                "-pubout",
                "-out",
                serviceAccountPublicKey.toString()))
        .orThrow("openssl: service-account public key for the test kube-apiserver");
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String adminToken = HexFormat.of().formatHex(random);
    // token,user,uid,"group": system:masters passes every RBAC check, like a cluster's admin
    // kubeconfig.
    try {
      Files.writeString(
          tokenFile, adminToken + "," + ADMIN_USER + "," + ADMIN_USER + ",\"system:masters\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException("test kube-apiserver: cannot write " + tokenFile, e);
    }
    return new KubeApiServerFiles(
        dir,
        servingCert,
        servingKey,
        serviceAccountKey,
        serviceAccountPublicKey,
        tokenFile,
        adminToken);
  }

  @Override
  public String toString() {
    // Never print the admin token.
    return "KubeApiServerFiles[" + dir + "]";
  }
}
