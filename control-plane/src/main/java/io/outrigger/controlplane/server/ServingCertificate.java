package io.outrigger.controlplane.server;

import io.outrigger.certs.IssuedCertificate;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.RenewalPolicy;
import io.outrigger.certs.SpiffeId;
import io.outrigger.injector.webhook.ServingKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's own serving certificate (TLS xDS port, webhook port), issued by the mesh CA
 * and renewed at about half its life. Servers present whatever this holds at each handshake
 * (through a {@link io.outrigger.injector.webhook.ServingKeyManager}), so renewal needs no restart
 * and open connections keep going on the certificate they started with.
 */
final class ServingCertificate implements Supplier<ServingKeys>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServingCertificate.class);
  private static final Duration RETRY = Duration.ofSeconds(5);

  private final String purpose;

  /** Read at each issue: a CA reloaded after root rotation signs the next renewal. */
  private final Supplier<MeshCa> ca;

  private final SpiffeId id;
  private final List<String> names;
  private final Duration ttl;
  private final Clock clock;
  private final RenewalPolicy renewal = RenewalPolicy.defaults();
  private final ScheduledExecutorService timer;
  private volatile ServingKeys current;

  private ServingCertificate(
      String purpose,
      Supplier<MeshCa> ca,
      SpiffeId id,
      List<String> names,
      Duration ttl,
      Clock clock) {
    this.purpose = purpose;
    this.ca = ca;
    this.id = id;
    this.names = List.copyOf(names);
    this.ttl = ttl;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("serving-cert-" + purpose).factory());
  }

  /**
   * Issues the first certificate now (a CA failure here fails the start) and schedules its
   * renewals.
   *
   * @param purpose what it is for, in logs and the thread name
   * @param names DNS names; IP literals become IP SANs
   */
  static ServingCertificate start(
      String purpose, Supplier<MeshCa> ca, SpiffeId id, List<String> names, Duration ttl) {
    ServingCertificate cert =
        new ServingCertificate(purpose, ca, id, names, ttl, Clock.systemUTC());
    cert.current = cert.issue();
    cert.scheduleRenewal();
    return cert;
  }

  @Override
  public ServingKeys get() {
    return current;
  }

  private ServingKeys issue() {
    IssuedCertificate issued = ca.get().issueServing(id, names, ttl);
    return new ServingKeys(issued.chain(), issued.privateKey());
  }

  private void scheduleRenewal() {
    Instant at = renewal.renewAt(current.leaf(), clock.instant());
    schedule(Duration.between(clock.instant(), at));
  }

  private void schedule(Duration delay) {
    if (!timer.isShutdown()) {
      timer.schedule(this::renew, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  private void renew() {
    try {
      current = issue();
      log.info(
          "event=serving_certificate_renewed purpose={} names={} not_after={}",
          purpose,
          names,
          current.leaf().getNotAfter().toInstant());
      scheduleRenewal();
    } catch (RuntimeException e) {
      // The old certificate is still valid for about half its life: keep serving it and try again
      // soon.
      log.warn(
          "event=serving_certificate_renewal_failed purpose={} retry_in_s={} reason=\"{}\"",
          purpose,
          RETRY.toSeconds(),
          e.getMessage());
      schedule(RETRY);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
