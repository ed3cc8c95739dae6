package io.outrigger.certs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The CA's meters, named for Prometheus as {@code outrigger_ca_issued_total{path}},
 * {@code outrigger_ca_rejected_total{reason}} and {@code outrigger_ca_issuance_seconds{path}}.
 * {@code path} is {@code csr} or {@code generate}.
 */
public final class CaMetrics {

  public static final String ISSUED = "outrigger.ca.issued";
  public static final String REJECTED = "outrigger.ca.rejected";
  public static final String ISSUANCE = "outrigger.ca.issuance";

  private final MeterRegistry registry;

  public CaMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void issued(String path) {
    Counter.builder(ISSUED).description("certificates issued").tag("path", path)
        .register(registry).increment();
  }

  public void rejected(String reason) {
    Counter.builder(REJECTED).description("certificate requests refused, by reason")
        .tag("reason", reason).register(registry).increment();
  }

  public Timer issuanceTimer(String path) {
    return Timer.builder(ISSUANCE).description("time to check and sign one certificate")
        .tag("path", path).register(registry);
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
