package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Istio's {@code cacerts} layout, so an operator's plug-in CA directory works unchanged. */
public record CaFiles(Path dir) {

  public Path caCert() {
    return dir.resolve("ca-cert.pem");
  }

  public Path caKey() {
    return dir.resolve("ca-key.pem");
  }

  /**
   * The CA certificate followed by its issuers (an Istio plug-in CA usually ends it with the root).
   */
  public Path certChain() {
    return dir.resolve("cert-chain.pem");
  }

  /** Every root in force; several during a root rotation. */
  public Path rootCert() {
    return dir.resolve("root-cert.pem");
  }

  /** The files that must exist for the directory to hold a CA. */
  public List<Path> required() {
    return List.of(caCert(), caKey(), rootCert());
  }

  public boolean anyExists() {
    return required().stream().anyMatch(Files::exists);
  }

  /**
   * Refuses a directory that holds no CA, before anything is written there: a mistyped directory
   * must not become a new CA or signing key that nothing trusts.
   */
  public void requireCa() {
    if (!Files.isDirectory(dir)) {
      throw new CaException(
          "no CA in "
              + dir
              + ": "
              + (Files.exists(dir) ? "not a directory" : "no such directory")
              + "; give the control plane's --ca-dir, or run 'outrigger ca init --dir "
              + dir
              + "' first");
    }
    if (!anyExists()) {
      throw new CaException(
          "no CA in "
              + dir
              + ": none of "
              + names(required())
              + " is there; give the control plane's --ca-dir, or run 'outrigger ca init --dir "
              + dir
              + "' first");
    }
  }

  private static String names(List<Path> files) {
    return String.join(", ", files.stream().map(f -> f.getFileName().toString()).toList());
  }

  public List<Path> missing() {
    return required().stream().filter(p -> !Files.exists(p)).toList();
  }
}
