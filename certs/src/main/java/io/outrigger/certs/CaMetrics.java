package io.outrigger.certs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CA's meters, named for Prometheus as {@code outrigger_ca_issued_total{path}}, {@code
 * outrigger_ca_rejected_total{reason}} and {@code outrigger_ca_issuance_seconds{path}}. {@code
 * path} is {@code csr} or {@code generate}. {@code outrigger_ca_crypto_backend{backend}} is 1 for
 * the library doing the CA's ECDSA ({@code boringssl} or {@code bouncycastle}).
 */
public final class CaMetrics {

  public static final String ISSUED = "outrigger.ca.issued";
  public static final String REJECTED = "outrigger.ca.rejected";
  public static final String ISSUANCE = "outrigger.ca.issuance";
  public static final String CRYPTO_BACKEND = "outrigger.ca.crypto.backend";

  private final MeterRegistry registry;
  // Meters per tag value, so the issuance hot path does not rebuild meter ids on every call.
  private final Map<String, Counter> issued = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public CaMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Marks which ECDSA backend the CA runs on (a constant 1, tagged: an info-style metric). */
  public void cryptoBackend(String backend) {
    Gauge.builder(CRYPTO_BACKEND, () -> 1)
        .description("the CA's ECDSA backend")
        .tag("backend", backend)
        .register(registry);
  }

  public void issued(String path) {
    issued
        .computeIfAbsent(
            path,
            p ->
                Counter.builder(ISSUED)
                    .description("certificates issued")
                    .tag("path", p)
                    .register(registry))
        .increment();
  }

  public void rejected(String reason) {
    rejected
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder(REJECTED)
                    .description("certificate requests refused, by reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  public Timer issuanceTimer(String path) {
    return timers.computeIfAbsent(
        path,
        p ->
            Timer.builder(ISSUANCE)
                .description("time to check and sign one certificate")
                .tag("path", p)
                .register(registry));
  }

  /** Certificates issued so far on a path. */
  public double issuedCount(String path) {
    Counter counter = registry.find(ISSUED).tag("path", path).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Requests refused so far for a reason. */
  public double rejectedCount(String reason) {
    Counter counter = registry.find(REJECTED).tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }
}
