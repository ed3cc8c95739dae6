package io.outrigger.controlplane.telemetry;

import io.outrigger.controlplane.generate.OutboundClusterName;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/** The stats flushes of one sidecar within the window, oldest first, at most {@code maxSamples}. */
final class ProxyWindow {
  record Sample(Instant at, Map<OutboundClusterName, ClusterFigures> clusters) {}

  /** A cluster's figures over the window: what changed between the first and the last sample. */
  record Change(ClusterFigures delta, ClusterFigures latest) {}

  private final String namespace;
  private final String workload;
  private final int maxSamples;
  private final Deque<Sample> samples = new ArrayDeque<>();

  ProxyWindow(String namespace, String workload, int maxSamples) {
    this.namespace = namespace;
    this.workload = workload;
    this.maxSamples = maxSamples;
  }

  String namespace() {
    return namespace;
  }

  String workload() {
    return workload;
  }

  synchronized void add(Sample sample, Duration window) {
    samples.addLast(sample);
    prune(sample.at(), window);
  }

  /** True when the last flush is older than the window: the sidecar is gone. */
  synchronized boolean expired(Instant now, Duration window) {
    prune(now, window);
    return samples.isEmpty();
  }

  /** Seconds between the first and last sample in the window; 0 with fewer than two. */
  synchronized double seconds(Instant now, Duration window) {
    prune(now, window);
    if (samples.size() < 2) {
      return 0;
    }
    return Duration.between(samples.getFirst().at(), samples.getLast().at()).toMillis() / 1000.0;
  }

  /**
   * Per outbound cluster the sidecar has ever used: the change over the window and the latest
   * figures.
   */
  synchronized Map<OutboundClusterName, Change> changes(Instant now, Duration window) {
    prune(now, window);
    Map<OutboundClusterName, Change> out = new HashMap<>();
    if (samples.isEmpty()) {
      return out;
    }
    Sample first = samples.getFirst();
    Sample last = samples.getLast();
    last.clusters()
        .forEach(
            (cluster, latest) -> {
              ClusterFigures base =
                  samples.size() < 2
                      ? latest
                      : first.clusters().getOrDefault(cluster, ClusterFigures.NONE);
              out.put(cluster, new Change(latest.since(base), latest));
            });
    return out;
  }

  private void prune(Instant now, Duration window) {
    Instant oldest = now.minus(window);
    while (!samples.isEmpty()
        && (samples.size() > maxSamples || samples.getFirst().at().isBefore(oldest))) {
      samples.removeFirst();
    }
  }
}
