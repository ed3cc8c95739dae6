package io.outrigger.controlplane.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.x509.CaFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a CA directory rewritten under a running control plane (a root rotation by {@code
 * MeshCa.rotateRoot}, plug-in cacerts replaced with both roots in {@code root-cert.pem}) and hands
 * the reloaded CA on. The files are not written as one, so a load that fails or races a write keeps
 * the CA in force and tries again at the next look.
 */
final class CaReloader implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofSeconds(5);

  /** {@code outrigger_ca_reload_failures_total} in Prometheus. */
  static final String RELOAD_FAILURES = "outrigger.ca.reload.failures";

  private static final Logger log = LoggerFactory.getLogger(CaReloader.class);

  private final CaFiles files;
  private final Supplier<MeshCa> load;
  private final Consumer<MeshCa> reloaded;
  private final Counter failures;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "outrigger-ca-reload");
            t.setDaemon(true);
            return t;
          });
  private String loaded;

  CaReloader(Path caDir, Supplier<MeshCa> load, Consumer<MeshCa> reloaded, MeterRegistry meters) {
    this.files = new CaFiles(caDir);
    this.load = load;
    this.reloaded = reloaded;
    this.failures =
        Counter.builder(RELOAD_FAILURES)
            .description(
                "CA directory changes that could not be loaded (the CA in force stays; retried every 5 s)")
            .register(meters);
    this.loaded = fingerprint();
  }

  void start() {
    timer.scheduleWithFixedDelay(
        this::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    String now = fingerprint();
    if (now == null || now.equals(loaded)) {
      return;
    }
    try {
      MeshCa ca = load.get();
      if (!now.equals(fingerprint())) {
        return; // written while we read: look again next time
      }
      loaded = now;
      log.info("event=ca_reloaded dir={} roots={}", files.dir(), ca.trustBundle().roots().size());
      reloaded.accept(ca);
    } catch (RuntimeException e) {
      failures.increment();
      log.error(
          "event=ca_reload_failed dir={} error=\"{}\" note=\"the CA in force stays and keeps issuing;"
              + " retried every {} s\"",
          files.dir(),
          withCause(e),
          INTERVAL.toSeconds());
    }
  }

  /** The message and, when it only says "cannot read", the cause that says why. */
  private static String withCause(Throwable e) {
    Throwable cause = e.getCause();
    return cause == null || cause.getMessage() == null
        ? e.getMessage()
        : e.getMessage() + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  /** The roots and the signing certificate: what a rotation changes. */
  private String fingerprint() {
    try {
      return Files.readString(files.rootCert()) + Files.readString(files.caCert());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      log.warn("event=ca_reload_unreadable dir={} error=\"{}\"", files.dir(), e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
