package io.outrigger.injector.webhook;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the certificate in the PEM files and picks up a new one when the files change (cert-manager
 * or a Secret update rewrites them), checked at most once per {@code checkEvery} on a handshake, so
 * no restart and no watcher thread is needed. A half-written pair keeps the previous certificate.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final String ALIAS = "webhook";

  private record Loaded(
      List<X509Certificate> chain, PrivateKey key, FileTime certTime, FileTime keyTime) {}

  private final Path certFile;
  private final Path keyFile;
  private final Duration checkEvery;
  private final Clock clock;
  private volatile Loaded current;
  private volatile Instant nextCheck;

  ReloadingKeyManager(Path certFile, Path keyFile, Duration checkEvery, Clock clock)
      throws IOException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.checkEvery = checkEvery;
    this.clock = clock;
    this.current = load();
    this.nextCheck = clock.instant().plus(checkEvery);
  }

  /** The serving certificate in use now (after any pending reload). */
  X509Certificate leaf() {
    return loaded().chain().get(0);
  }

  private Loaded loaded() {
    Instant now = clock.instant();
    if (now.isBefore(nextCheck)) {
      return current;
    }
    synchronized (this) {
      if (now.isBefore(nextCheck)) {
        return current;
      }
      nextCheck = now.plus(checkEvery);
      try {
        Loaded before = current;
        if (!Objects.equals(Files.getLastModifiedTime(certFile), before.certTime())
            || !Objects.equals(Files.getLastModifiedTime(keyFile), before.keyTime())) {
          current = load();
          log.info("event=tls_certificate_reloaded cert={} subject=\"{}\" not_after={}",
              certFile, current.chain().get(0).getSubjectX500Principal().getName(),
              current.chain().get(0).getNotAfter().toInstant());
        }
      } catch (IOException | RuntimeException e) {
        log.warn("event=tls_certificate_reload_failed cert={} key={} reason=\"{}\"",
            certFile, keyFile, e.getMessage());
      }
      return current;
    }
  }

  private Loaded load() throws IOException {
    FileTime certTime = modified(certFile, "TLS certificate");
    FileTime keyTime = modified(keyFile, "TLS key");
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
      throw new IOException("TLS key " + keyFile + " (" + key.getAlgorithm()
          + ") does not match certificate " + certFile + " ("
          + chain.get(0).getPublicKey().getAlgorithm() + ")");
    }
    return new Loaded(List.copyOf(chain), key, certTime, keyTime);
  }

  /** The JDK's NoSuchFileException says only the path: say which file it is (the cause says why). */
  private static FileTime modified(Path file, String what) throws IOException {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      throw new IOException(what + " " + file + ": cannot read", e);
    }
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return matches(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return matches(keyType) ? ALIAS : null;
  }

  private boolean matches(String keyType) {
    String algorithm = loaded().key().getAlgorithm();
    return keyType.equals(algorithm) || (keyType.startsWith("EC") && algorithm.equals("EC"));
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? current.chain().toArray(X509Certificate[]::new) : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? current.key() : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return matches(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
