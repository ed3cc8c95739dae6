package io.outrigger.injector.webhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving keys in two PEM files, re-read when the files change (cert-manager or a Secret update
 * rewrites them), checked at most once per {@code checkEvery} when asked (on a handshake), so no
 * restart and no watcher thread is needed. A half-written or mismatched pair keeps the previous
 * keys.
 */
final class ReloadingPemKeys implements Supplier<ServingKeys> {

  private static final Logger log = LoggerFactory.getLogger(ReloadingPemKeys.class);

  private record Loaded(ServingKeys keys, FileTime certTime, FileTime keyTime) {}

  private final Path certFile;
  private final Path keyFile;
  private final Duration checkEvery;
  private final Clock clock;
  private volatile Loaded current;
  private volatile Instant nextCheck;

  ReloadingPemKeys(Path certFile, Path keyFile, Duration checkEvery, Clock clock)
      throws IOException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.checkEvery = checkEvery;
    this.clock = clock;
    this.current = load();
    this.nextCheck = clock.instant().plus(checkEvery);
  }

  @Override
  public ServingKeys get() {
    Instant now = clock.instant();
    if (now.isBefore(nextCheck)) {
      return current.keys();
    }
    synchronized (this) {
      if (now.isBefore(nextCheck)) {
        return current.keys();
      }
      nextCheck = now.plus(checkEvery);
      try {
        Loaded before = current;
        if (!Objects.equals(Files.getLastModifiedTime(certFile), before.certTime())
            || !Objects.equals(Files.getLastModifiedTime(keyFile), before.keyTime())) {
          current = load();
          log.info(
              "event=tls_certificate_reloaded cert={} subject=\"{}\" not_after={}",
              certFile,
              current.keys().leaf().getSubjectX500Principal().getName(),
              current.keys().leaf().getNotAfter().toInstant());
        }
      } catch (IOException | RuntimeException e) {
        log.warn(
            "event=tls_certificate_reload_failed cert={} key={} reason=\"{}\"",
            certFile,
            keyFile,
            e.getMessage());
      }
      return current.keys();
    }
  }

  private Loaded load() throws IOException {
    FileTime certTime = modified(certFile, "TLS certificate");
    FileTime keyTime = modified(keyFile, "TLS key");
    try {
      return new Loaded(
          new ServingKeys(PemFiles.certificates(certFile), PemFiles.privateKey(keyFile)),
          certTime,
          keyTime);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "TLS key "
              + keyFile
              + " and certificate "
              + certFile
              + ": "
              + e.getMessage().replace("serving keys: ", ""),
          e);
    }
  }

  /**
   * The JDK's NoSuchFileException says only the path: say which file it is (the cause says why).
   */
  private static FileTime modified(Path file, String what) throws IOException {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      throw new IOException(what + " " + file + ": cannot read", e);
    }
  }
}
