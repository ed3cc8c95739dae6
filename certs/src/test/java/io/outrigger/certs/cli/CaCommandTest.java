package io.outrigger.certs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.certs.Openssl;
import io.outrigger.hostnet.ExecResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code outrigger ca init|issue|inspect} as a user runs them; outputs checked with openssl. */
class CaCommandTest {

  @RegisterExtension static final Openssl openssl = new Openssl();

  @TempDir Path tmp;

  private record Run(int exitCode, String out, String err) {}

  private static Run ca(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new CaCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void initIssueInspectRoundTrip() throws Exception {
    Path dir = tmp.resolve("ca");
    Run init =
        ca(
            "init",
            "--dir",
            dir.toString(),
            "--trust-domain",
            "example.org",
            "--key-type",
            "rsa-2048");
    assertThat(init.exitCode()).as(init.err()).isZero();
    assertThat(init.out()).contains("created mesh root CA", "example.org");
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(openssl.text(Files.readString(dir.resolve("root-cert.pem"))))
        .contains("Public-Key: (2048 bit)", "CA:TRUE");

    Path cert = tmp.resolve("reviews.pem");
    Path key = tmp.resolve("reviews-key.pem");
    Run issue =
        ca(
            "issue",
            "--dir",
            dir.toString(),
            "--spiffe",
            "spiffe://example.org/ns/default/sa/reviews",
            "--ttl",
            "1h",
            "--cert",
            cert.toString(),
            "--key",
            key.toString());
    assertThat(issue.exitCode()).as(issue.err()).isZero();
    assertThat(Files.getPosixFilePermissions(key))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    ExecResult verify =
        openssl.exec(
            "verify",
            "-x509_strict",
            "-CAfile",
            dir.resolve("root-cert.pem").toString(),
            cert.toString());
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
    // The key file is the key of the certificate.
    String certKey = openssl.run("x509", "-in", cert.toString(), "-noout", "-pubkey");
    String fileKey = openssl.run("pkey", "-in", key.toString(), "-pubout");
    assertThat(certKey).isEqualTo(fileKey);

    Run inspect = ca("inspect", cert.toString());
    assertThat(inspect.exitCode()).as(inspect.err()).isZero();
    assertThat(inspect.out())
        .contains(
            "subject:   (empty)",
            "SAN:       URI:spiffe://example.org/ns/default/sa/reviews",
            "key:       EC 256 bits",
            "CA:        no",
            "valid, expires in 0h59m");

    Run inspectRoot = ca("inspect", dir.resolve("cert-chain.pem").toString());
    assertThat(inspectRoot.out()).contains("CA:        yes", "self-signed root");
  }

  @Test
  void inspectShowsTheChainOfAnIntermediateIssuedLeaf() throws Exception {
    Path dir = tmp.resolve("ca");
    io.outrigger.certs.TestCas.opensslIntermediate(openssl, dir);
    Path cert = tmp.resolve("leaf.pem");
    Run issue =
        ca(
            "issue",
            "--dir",
            dir.toString(),
            "--spiffe",
            "spiffe://cluster.local/ns/a/sa/b",
            "--cert",
            cert.toString(),
            "--key",
            tmp.resolve("leaf-key.pem").toString());
    assertThat(issue.exitCode()).as(issue.err()).isZero();
    assertThat(issue.out()).contains("(leaf + 1 intermediate(s))");
    Run inspect = ca("inspect", cert.toString());
    assertThat(inspect.out())
        .contains(
            "certificate 1 of 2 (leaf)",
            "signed by: certificate 2 (signature verified)",
            "CN=Mesh Intermediate");
  }
}
