package io.outrigger.injector.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The webhook's Prometheus metrics: requests, injected, skipped by reason, errors, latency. */
final class WebhookMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer latency =
      Timer.builder("outrigger.injector.request.duration")
          .description("Time to answer one AdmissionReview")
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry);
  private final Counter injected =
      Counter.builder("outrigger.injector.injected")
          .description("Pods that got a sidecar")
          .register(registry);
  // Looked up by tag here rather than re-registered per request: the registry's path builds an id
  // and runs the meter filters every time. The tag values are a small fixed set (enum labels).
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> skipped = new ConcurrentHashMap<>();

  void request(String outcome) {
    requests
        .computeIfAbsent(
            outcome,
            o ->
                Counter.builder("outrigger.injector.requests")
                    .description("AdmissionReviews answered, by outcome")
                    .tag("outcome", o)
                    .register(registry))
        .increment();
  }

  void injected() {
    injected.increment();
  }

  void skipped(String reason) {
    skipped
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("outrigger.injector.skipped")
                    .description("Pods left without a sidecar, by reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  void error(String kind) {
    Counter.builder("outrigger.injector.errors")
        .description("Requests answered with an error, by kind")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  void latency(long nanos) {
    latency.record(Duration.ofNanos(nanos));
  }

  String scrape() {
    return registry.scrape();
  }
}
