package io.outrigger.certs.cli;

import io.outrigger.certs.x509.KeyFiles;
import io.outrigger.certs.x509.Keys;
import io.outrigger.certs.x509.Pem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code outrigger ca inspect}: what a PEM file of certificates says, and whether its chain links.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Print subject, SANs, validity and chain of the certificates in FILE.")
final class CaInspectCommand implements Callable<Integer> {

  private static final String[] SAN_TYPES = {
    "other", "email", "DNS", "x400", "dirName", "ediParty", "URI", "IP", "RID"
  };

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "PEM file with one or more certificates, leaf first")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<X509Certificate> certs = Pem.readCertificates(KeyFiles.readPublic(file), file.toString());
    Instant now = Instant.now();
    for (int i = 0; i < certs.size(); i++) {
      X509Certificate cert = certs.get(i);
      out.printf(
          "certificate %d of %d%s%n",
          i + 1, certs.size(), i == 0 && certs.size() > 1 ? " (leaf)" : "");
      String subject = cert.getSubjectX500Principal().getName();
      out.printf("  subject:   %s%n", subject.isEmpty() ? "(empty)" : subject);
      out.printf("  issuer:    %s%n", cert.getIssuerX500Principal().getName());
      out.printf("  serial:    %s%n", cert.getSerialNumber().toString(16));
      out.printf("  SAN:       %s%n", sans(cert));
      out.printf(
          "  validity:  %s .. %s (%s)%n",
          cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), validity(cert, now));
      out.printf("  key:       %s%n", describe(cert.getPublicKey()));
      out.printf("  CA:        %s%n", cert.getBasicConstraints() >= 0 ? "yes" : "no");
      if (i + 1 < certs.size()) {
        out.printf(
            "  signed by: certificate %d (%s)%n",
            i + 2,
            Keys.signedBy(cert, certs.get(i + 1))
                ? "signature verified"
                : "SIGNATURE DOES NOT VERIFY");
      } else if (cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
        out.printf(
            "  signed by: itself (%s)%n",
            Keys.signedBy(cert, cert) ? "self-signed root" : "SIGNATURE DOES NOT VERIFY");
      }
    }
    return 0;
  }

  private static String sans(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return "(none)";
      }
      return sans.stream()
          .map(san -> SAN_TYPES[(Integer) san.get(0)] + ":" + san.get(1))
          .collect(Collectors.joining(", "));
    } catch (CertificateParsingException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static String validity(X509Certificate cert, Instant now) {
    Instant notAfter = cert.getNotAfter().toInstant();
    if (now.isBefore(cert.getNotBefore().toInstant())) {
      return "NOT YET VALID";
    }
    if (now.isAfter(notAfter)) {
      return "EXPIRED";
    }
    Duration left = Duration.between(now, notAfter);
    return "valid, expires in "
        + (left.toDays() > 0
            ? left.toDays() + "d"
            : left.toHours() + "h" + left.toMinutesPart() + "m");
  }

  private static String describe(PublicKey key) {
    if (key instanceof ECKey ec) {
      return "EC " + ec.getParams().getOrder().bitLength() + " bits";
    }
    if (key instanceof RSAKey rsa) {
      return "RSA " + rsa.getModulus().bitLength() + " bits";
    }
    return key.getAlgorithm();
  }
}
