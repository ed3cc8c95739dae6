package io.outrigger.injector.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** The webhook's Prometheus metrics: requests, injected, skipped by reason, errors, latency. */
final class WebhookMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
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

  void request(String outcome) {
    Counter.builder("outrigger.injector.requests")
        .description("AdmissionReviews answered, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  void injected() {
    injected.increment();
  }

  void skipped(String reason) {
    Counter.builder("outrigger.injector.skipped")
        .description("Pods left without a sidecar, by reason")
        .tag("reason", reason)
        .register(registry)
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
