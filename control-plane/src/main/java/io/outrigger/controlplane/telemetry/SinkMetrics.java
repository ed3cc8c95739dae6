package io.outrigger.controlplane.telemetry;

import io.outrigger.controlplane.generate.OutboundClusterName;
import io.prometheus.client.Metrics.Bucket;
import io.prometheus.client.Metrics.Metric;
import io.prometheus.client.Metrics.MetricFamily;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the stats a sidecar streams (full Envoy stat names, no tags as labels) and keeps only the
 * four per outbound cluster the mesh view needs; everything else a flush carries is dropped on
 * receipt, so what the control plane holds per proxy grows with the clusters it calls, not with
 * Envoy's stats.
 */
final class SinkMetrics {
  private static final String CLUSTER_PREFIX = "cluster.";
  static final String REQUESTS = ".upstream_rq_total";
  static final String ERRORS = ".upstream_rq_5xx";
  static final String TLS_HANDSHAKES = ".ssl.handshake";
  static final String LATENCY = ".upstream_rq_time";
  private static final List<String> SUFFIXES = List.of(REQUESTS, ERRORS, TLS_HANDSHAKES, LATENCY);

  private SinkMetrics() {}

  static Map<OutboundClusterName, ClusterFigures> outboundClusters(List<MetricFamily> families) {
    Map<OutboundClusterName, ClusterFigures> out = new HashMap<>();
    for (MetricFamily family : families) {
      String name = family.getName();
      if (!name.startsWith(CLUSTER_PREFIX + "outbound|") || family.getMetricCount() == 0) {
        continue;
      }
      for (String suffix : SUFFIXES) {
        if (!name.endsWith(suffix)) {
          continue;
        }
        String cluster = name.substring(CLUSTER_PREFIX.length(), name.length() - suffix.length());
        OutboundClusterName.parse(cluster)
            .ifPresent(
                target ->
                    out.merge(target, figure(suffix, family.getMetric(0)), ClusterFigures::plus));
        break;
      }
    }
    return out;
  }

  private static ClusterFigures figure(String suffix, Metric metric) {
    long value =
        (long)
            (metric.hasCounter() ? metric.getCounter().getValue() : metric.getGauge().getValue());
    return switch (suffix) {
      case REQUESTS -> new ClusterFigures(value, 0, 0, LatencyHistogram.EMPTY);
      case ERRORS -> new ClusterFigures(0, value, 0, LatencyHistogram.EMPTY);
      case TLS_HANDSHAKES -> new ClusterFigures(0, 0, value, LatencyHistogram.EMPTY);
      default -> new ClusterFigures(0, 0, 0, histogram(metric));
    };
  }

  private static LatencyHistogram histogram(Metric metric) {
    List<Double> bounds = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (Bucket b : metric.getHistogram().getBucketList()) {
      if (Double.isFinite(b.getUpperBound())) {
        bounds.add(b.getUpperBound());
        counts.add(b.getCumulativeCount());
      }
    }
    return new LatencyHistogram(bounds, counts, metric.getHistogram().getSampleCount());
  }
}
