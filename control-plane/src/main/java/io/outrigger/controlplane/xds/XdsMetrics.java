package io.outrigger.controlplane.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The push pipeline's meters: what was sent, how long it took, how fast proxies converged. */
public final class XdsMetrics {
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> pushes = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> resources = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> bytes = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> nacks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> refusals = new ConcurrentHashMap<>();
  private final Timer pushTime;
  private final Timer convergence;

  public XdsMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.pushTime =
        Timer.builder("outrigger.xds.push.time")
            .description(
                "Time to recompute the connected proxies' config after a change and send it")
            .publishPercentileHistogram()
            .register(registry);
    this.convergence =
        Timer.builder("outrigger.xds.convergence")
            .description("Time from a registry change to the proxy's ACK of the config it caused")
            .publishPercentileHistogram()
            .serviceLevelObjectives(
                Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5))
            .register(registry);
  }

  /** Registers the connected-proxies gauge over the live stream count. */
  public void connectedProxies(Supplier<Number> count) {
    // Strong reference: Micrometer holds gauge state weakly, and a lambda would be collected.
    io.micrometer.core.instrument.Gauge.builder(
            "outrigger.xds.connected.proxies", count, s -> s.get().doubleValue())
        .description("Proxies with an admitted ADS stream")
        .strongReference(true)
        .register(registry);
  }

  void pushed(String typeUrl, int resourceCount, long byteCount) {
    counter(pushes, "outrigger.xds.pushes", typeUrl).increment();
    counter(resources, "outrigger.xds.pushed.resources", typeUrl).increment(resourceCount);
    counter(bytes, "outrigger.xds.pushed.bytes", typeUrl).increment(byteCount);
  }

  /**
   * A stream refused before any config: bad or missing token, or a node claiming another identity.
   */
  public void refused(String code) {
    refusals
        .computeIfAbsent(
            code,
            c ->
                Counter.builder("outrigger.xds.refused")
                    .tag("code", c)
                    .description("ADS streams refused before any config was sent")
                    .register(registry))
        .increment();
  }

  public double refusedTotal(String code) {
    Counter c = registry.find("outrigger.xds.refused").tag("code", code).counter();
    return c == null ? 0 : c.count();
  }

  void nacked(String typeUrl) {
    counter(nacks, "outrigger.xds.nacks", typeUrl).increment();
  }

  void converged(long nanos) {
    convergence.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void pushTook(long nanos) {
    pushTime.record(nanos, TimeUnit.NANOSECONDS);
  }

  public Timer convergence() {
    return convergence;
  }

  /** Total counted for one type, e.g. bytes of EDS pushed: the benchmark reads it. */
  public double total(String meter, String typeUrl) {
    Counter c = registry.find(meter).tag("type", XdsTypes.shortName(typeUrl)).counter();
    return c == null ? 0 : c.count();
  }

  private Counter counter(ConcurrentMap<String, Counter> cache, String name, String typeUrl) {
    return cache.computeIfAbsent(
        typeUrl, t -> Counter.builder(name).tag("type", XdsTypes.shortName(t)).register(registry));
  }
}
