package io.outrigger.certs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.certs.Openssl;
import io.outrigger.testsupport.ExecResult;
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
    Run init = ca("init", "--dir", dir.toString(), "--trust-domain", "example.org", "--key-type", "rsa-2048");
    assertThat(init.exitCode()).as(init.err()).isZero();
    assertThat(init.out()).contains("created mesh root CA", "example.org");
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca-key.pem"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(openssl.text(Files.readString(dir.resolve("root-cert.pem")))).contains("Public-Key: (2048 bit)", "CA:TRUE");

    Path cert = tmp.resolve("reviews.pem");
    Path key = tmp.resolve("reviews-key.pem");
    Run issue = ca("issue", "--dir", dir.toString(), "--spiffe", "spiffe://example.org/ns/default/sa/reviews",
        "--ttl", "1h", "--cert", cert.toString(), "--key", key.toString());
    assertThat(issue.exitCode()).as(issue.err()).isZero();
    assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    ExecResult verify = openssl.exec("verify", "-x509_strict", "-CAfile", dir.resolve("root-cert.pem").toString(),
        cert.toString());
    assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
    // The key file is the key of the certificate.
    String certKey = openssl.run("x509", "-in", cert.toString(), "-noout", "-pubkey");
    String fileKey = openssl.run("pkey", "-in", key.toString(), "-pubout");
    assertThat(certKey).isEqualTo(fileKey);

    Run inspect = ca("inspect", cert.toString());
    assertThat(inspect.exitCode()).as(inspect.err()).isZero();
    assertThat(inspect.out()).contains("subject:   (empty)", "SAN:       URI:spiffe://example.org/ns/default/sa/reviews",
        "key:       EC 256 bits", "CA:        no", "valid, expires in 0h59m");

    Run inspectRoot = ca("inspect", dir.resolve("cert-chain.pem").toString());
    assertThat(inspectRoot.out()).contains("CA:        yes", "self-signed root");
  }

  @Test
  void inspectShowsTheChainOfAnIntermediateIssuedLeaf() throws Exception {
    Path dir = tmp.resolve("ca");
    io.outrigger.certs.TestCas.opensslIntermediate(openssl, dir);
    Path cert = tmp.resolve("leaf.pem");
    Run issue = ca("issue", "--dir", dir.toString(), "--spiffe", "spiffe://cluster.local/ns/a/sa/b",
        "--cert", cert.toString(), "--key", tmp.resolve("leaf-key.pem").toString());
    assertThat(issue.exitCode()).as(issue.err()).isZero();
    assertThat(issue.out()).contains("(leaf + 1 intermediate(s))");
    Run inspect = ca("inspect", cert.toString());
    assertThat(inspect.out()).contains("certificate 1 of 2 (leaf)", "signed by: certificate 2 (signature verified)",
        "CN=Mesh Intermediate");
  }

  @Test
  void errorsAreOneLineWithoutStackTraceAndNonZero() throws Exception {
    Run missingCa = ca("issue", "--dir", tmp.resolve("nothing").toString(), "--spiffe", "spiffe://cluster.local/ns/a/sa/b",
        "--cert", tmp.resolve("c.pem").toString(), "--key", tmp.resolve("k.pem").toString());
    assertThat(missingCa.exitCode()).isEqualTo(1);
    assertThat(missingCa.err()).startsWith("error: no CA in").contains("ca init").doesNotContain("\tat ", "Exception");

    Run badId = ca("issue", "--dir", tmp.toString(), "--spiffe", "https://not-spiffe",
        "--cert", tmp.resolve("c.pem").toString(), "--key", tmp.resolve("k.pem").toString());
    assertThat(badId.exitCode()).isEqualTo(1);
    assertThat(badId.err()).contains("must start with spiffe://").doesNotContain("\tat ");

    Run badKeyType = ca("init", "--dir", tmp.resolve("x").toString(), "--key-type", "dsa-1024");
    assertThat(badKeyType.exitCode()).isEqualTo(1);
    assertThat(badKeyType.err()).contains("key type 'dsa-1024' is not supported; use one of ec-p256, rsa-2048, rsa-4096");

    Run badTtl = ca("issue", "--dir", tmp.toString(), "--spiffe", "spiffe://cluster.local/ns/a/sa/b", "--ttl", "soon",
        "--cert", "c", "--key", "k");
    assertThat(badTtl.exitCode()).isNotZero();
    assertThat(badTtl.err()).contains("'soon' is not a duration").doesNotContain("\tat ");

    Path dir = tmp.resolve("ca");
    assertThat(ca("init", "--dir", dir.toString()).exitCode()).isZero();
    Run again = ca("init", "--dir", dir.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("already holds a CA");

    Files.setPosixFilePermissions(dir.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-rw-r--"));
    Run readable = ca("issue", "--dir", dir.toString(), "--spiffe", "spiffe://cluster.local/ns/a/sa/b",
        "--cert", tmp.resolve("c.pem").toString(), "--key", tmp.resolve("k.pem").toString());
    assertThat(readable.exitCode()).isEqualTo(1);
    assertThat(readable.err()).contains("chmod 600").doesNotContain("\tat ");

    Files.writeString(tmp.resolve("junk.pem"), "not a certificate");
    Run junk = ca("inspect", tmp.resolve("junk.pem").toString());
    assertThat(junk.exitCode()).isEqualTo(1);
    assertThat(junk.err()).startsWith("error: ").contains("junk.pem");
  }
}
