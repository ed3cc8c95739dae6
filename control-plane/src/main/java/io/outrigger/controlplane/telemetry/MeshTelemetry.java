package io.outrigger.controlplane.telemetry;

import io.outrigger.controlplane.generate.OutboundClusterName;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.prometheus.client.Metrics.MetricFamily;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The traffic figures the sidecars stream (see {@link MetricsSinkService}), kept per proxy for a
 * sliding window and turned into edges: source workload to destination service port and subset.
 * Memory is bounded: per proxy at most {@link #MAX_SAMPLES} flushes of four figures per outbound
 * cluster, and a proxy that stopped reporting is dropped once its last flush leaves the window.
 */
public final class MeshTelemetry {
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  static final int MAX_SAMPLES = 32;

  /** The figures over the window: every edge any sidecar reported, and which proxies reported. */
  public record Traffic(Duration window, List<EdgeStats> edges, Set<String> reportingProxies) {}

  private final Duration window;
  private final Clock clock;
  private final Map<String, ProxyWindow> byProxy = new ConcurrentHashMap<>();

  public MeshTelemetry(Duration window, Clock clock) {
    this.window = window;
    this.clock = clock;
  }

  public Duration window() {
    return window;
  }

  /** A new stream from this proxy: its counters may have restarted, so what was kept is dropped. */
  public void opened(ConnectedProxy proxy) {
    byProxy.put(proxy.id(), new ProxyWindow(proxy.namespace(), proxy.workload(), MAX_SAMPLES));
  }

  public void record(ConnectedProxy proxy, List<MetricFamily> families) {
    ProxyWindow w =
        byProxy.computeIfAbsent(
            proxy.id(), id -> new ProxyWindow(proxy.namespace(), proxy.workload(), MAX_SAMPLES));
    w.add(
        new ProxyWindow.Sample(clock.instant(), Map.copyOf(SinkMetrics.outboundClusters(families))),
        window);
  }

  public Traffic traffic() {
    Instant now = clock.instant();
    byProxy.values().removeIf(w -> w.expired(now, window));
    Map<String, EdgeSum> sums = new LinkedHashMap<>();
    Set<String> reporting = new TreeSet<>();
    byProxy.forEach(
        (id, w) -> {
          reporting.add(id);
          double seconds = w.seconds(now, window);
          w.changes(now, window)
              .forEach(
                  (cluster, change) -> {
                    if (change.latest().requests() == 0) {
                      return;
                    }
                    String key = w.namespace() + "/" + w.workload() + " " + cluster.value();
                    sums.computeIfAbsent(
                            key, k -> new EdgeSum(w.namespace(), w.workload(), cluster))
                        .add(change, seconds);
                  });
        });
    List<EdgeStats> edges = new ArrayList<>();
    sums.values().forEach(s -> edges.add(s.edge()));
    edges.sort(Comparator.comparing(EdgeStats::source).thenComparing(e -> e.destination().value()));
    return new Traffic(window, List.copyOf(edges), Set.copyOf(reporting));
  }

  /** One edge summed over the proxies of its source workload. */
  private static final class EdgeSum {
    private final String namespace;
    private final String workload;
    private final OutboundClusterName destination;
    private ClusterFigures delta = ClusterFigures.NONE;
    private boolean tls;
    private double seconds;

    EdgeSum(String namespace, String workload, OutboundClusterName destination) {
      this.namespace = namespace;
      this.workload = workload;
      this.destination = destination;
    }

    void add(ProxyWindow.Change change, double proxySeconds) {
      delta = delta.plus(change.delta());
      // Connections are kept alive, so a TLS edge may see no new handshake in the window.
      tls |= change.latest().tlsHandshakes() > 0;
      seconds = Math.max(seconds, proxySeconds);
    }

    EdgeStats edge() {
      boolean measured = seconds > 0 && delta.requests() > 0;
      return new EdgeStats(
          namespace,
          workload,
          destination,
          seconds > 0 ? delta.requests() : 0,
          seconds > 0 ? delta.errors() : 0,
          seconds,
          measured ? delta.latency().quantile(0.5) : null,
          measured ? delta.latency().quantile(0.99) : null,
          tls);
    }
  }
}
