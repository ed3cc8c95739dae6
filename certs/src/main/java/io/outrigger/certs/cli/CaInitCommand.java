package io.outrigger.certs.cli;

import io.outrigger.certs.CaException;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.KeyType;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.x509.CaFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outrigger ca init}: a self-signed mesh root in an Istio cacerts directory. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description =
        "Create a self-signed mesh root CA in DIR (ca-cert.pem, ca-key.pem 0600, cert-chain.pem, root-cert.pem).")
final class CaInitCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      required = true,
      paramLabel = "DIR",
      description = "CA directory to create")
  Path dir;

  @Option(
      names = "--trust-domain",
      defaultValue = CaSettings.DEFAULT_TRUST_DOMAIN,
      description = "SPIFFE trust domain (default: ${DEFAULT-VALUE})")
  String trustDomain;

  @Option(
      names = "--key-type",
      defaultValue = "ec-p256",
      paramLabel = "TYPE",
      description = "root key: ec-p256, rsa-2048 or rsa-4096 (default: ${DEFAULT-VALUE})")
  String keyType;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    CaSettings settings =
        CaSettings.defaults()
            .withTrustDomain(trustDomain)
            .withCaKeyType(KeyType.fromCliName(keyType));
    if (new CaFiles(dir).anyExists()) {
      throw new CaException(
          "CA directory " + dir + " already holds a CA; remove it or choose another --dir");
    }
    MeshCa ca = MeshCa.loadOrInit(dir, settings);
    X509Certificate root = ca.caCertificate();
    out.printf("created mesh root CA in %s%n", dir);
    out.printf("  trust domain: %s%n", trustDomain);
    out.printf("  root:         %s (%s)%n", root.getSubjectX500Principal().getName(), keyType);
    out.printf("  valid until:  %s%n", root.getNotAfter().toInstant());
    return 0;
  }
}
