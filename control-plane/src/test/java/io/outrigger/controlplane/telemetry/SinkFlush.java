package io.outrigger.controlplane.telemetry;

import io.prometheus.client.Metrics.Bucket;
import io.prometheus.client.Metrics.Counter;
import io.prometheus.client.Metrics.Histogram;
import io.prometheus.client.Metrics.Metric;
import io.prometheus.client.Metrics.MetricFamily;
import io.prometheus.client.Metrics.MetricType;
import java.util.ArrayList;
import java.util.List;

/**
 * One stats flush as Envoy's metrics service sink sends it (full stat names, cumulative counters,
 * histograms as cumulative buckets), built stat by stat for a test.
 */
public final class SinkFlush {
  /**
   * Envoy's default histogram bucket bounds (milliseconds for upstream_rq_time), the first ones.
   */
  public static final List<Double> BOUNDS =
      List.of(0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0);

  private final List<MetricFamily> families = new ArrayList<>();

  public SinkFlush counter(String name, long value) {
    families.add(
        MetricFamily.newBuilder()
            .setName(name)
            .setType(MetricType.COUNTER)
            .addMetric(Metric.newBuilder().setCounter(Counter.newBuilder().setValue(value)))
            .build());
    return this;
  }

  /**
   * Per-bucket (not cumulative) counts over {@link #BOUNDS}; the sink's cumulative form is built
   * here.
   */
  public SinkFlush histogram(String name, long... perBucket) {
    Histogram.Builder h = Histogram.newBuilder();
    long cumulative = 0;
    for (int i = 0; i < BOUNDS.size(); i++) {
      cumulative += i < perBucket.length ? perBucket[i] : 0;
      h.addBucket(Bucket.newBuilder().setUpperBound(BOUNDS.get(i)).setCumulativeCount(cumulative));
    }
    h.addBucket(
        Bucket.newBuilder().setUpperBound(Double.POSITIVE_INFINITY).setCumulativeCount(cumulative));
    h.setSampleCount(cumulative);
    families.add(
        MetricFamily.newBuilder()
            .setName(name)
            .setType(MetricType.HISTOGRAM)
            .addMetric(Metric.newBuilder().setHistogram(h))
            .build());
    return this;
  }

  /** The four stats the mesh view reads for one outbound cluster. */
  public SinkFlush cluster(
      String cluster, long requests, long errors5xx, long tlsHandshakes, long... latencyPerBucket) {
    counter("cluster." + cluster + ".upstream_rq_total", requests);
    counter("cluster." + cluster + ".upstream_rq_5xx", errors5xx);
    counter("cluster." + cluster + ".ssl.handshake", tlsHandshakes);
    return histogram("cluster." + cluster + ".upstream_rq_time", latencyPerBucket);
  }

  public List<MetricFamily> build() {
    return List.copyOf(families);
  }
}
