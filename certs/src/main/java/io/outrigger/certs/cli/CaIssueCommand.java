package io.outrigger.certs.cli;

import io.outrigger.certs.CaSettings;
import io.outrigger.certs.IssuedCertificate;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.x509.CaFiles;
import io.outrigger.certs.x509.KeyFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outrigger ca issue}: a workload key and SVID from an existing CA directory. */
@Command(
    name = "issue",
    mixinStandardHelpOptions = true,
    description = "Issue a key and X.509-SVID for a SPIFFE ID from the CA in DIR.")
final class CaIssueCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      required = true,
      paramLabel = "DIR",
      description = "CA directory (from 'ca init' or a plug-in cacerts)")
  Path dir;

  @Option(
      names = "--spiffe",
      required = true,
      paramLabel = "URI",
      description = "spiffe://<trust-domain>/ns/<ns>/sa/<sa>")
  String spiffe;

  @Option(
      names = "--ttl",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description = "lifetime, capped at 90d (default: ${DEFAULT-VALUE})")
  Duration ttl;

  @Option(
      names = "--cert",
      required = true,
      paramLabel = "FILE",
      description = "where to write the leaf followed by its chain")
  Path cert;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "FILE",
      description = "where to write the private key (PKCS#8, mode 0600)")
  Path key;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (ttl.isZero() || ttl.isNegative()) {
      // The CA reads a zero TTL as "its default" (as CreateCertificate's validity_duration does);
      // on the command line it is a mistake, not a request for 24 hours.
      throw new ParameterException(
          spec.commandLine(),
          "--ttl "
              + String.join(" ", spec.findOption("--ttl").stringValues())
              + ": must be positive");
    }
    SpiffeId id = SpiffeId.parseWorkload(spiffe);
    new CaFiles(dir).requireCa();
    // The cacerts files carry no trust domain: the one of the requested ID is the CA's here.
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults().withTrustDomain(id.trustDomain()));
    IssuedCertificate issued = ca.issue(id, ttl);
    KeyFiles.writeSecret(key, issued.privateKeyPem());
    KeyFiles.writePublic(cert, issued.certificateChainPem());
    out.printf("issued %s, valid until %s%n", id.uri(), issued.notAfter());
    out.printf(
        "  certificate chain: %s (leaf + %d intermediate(s))%n", cert, issued.chain().size() - 1);
    out.printf("  private key:       %s (0600)%n", key);
    return 0;
  }
}
