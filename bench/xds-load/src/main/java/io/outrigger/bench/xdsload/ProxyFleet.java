package io.outrigger.bench.xdsload;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/** N simulated sidecars, each with its own connection, like N Envoys. */
final class ProxyFleet implements AutoCloseable {
  private static final List<String> TYPES =
      List.of(
          TypeUrls.CLUSTER,
          TypeUrls.LISTENER,
          TypeUrls.ENDPOINTS,
          TypeUrls.ROUTES,
          TypeUrls.SECRET);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<SimulatedProxy> proxies = new ArrayList<>();
  private final ExecutorService callbacks = Executors.newFixedThreadPool(2);
  private final SimulatedProxy.Subscriptions subscriptions = new SimulatedProxy.Subscriptions();

  /**
   * Convergence of one change: per-proxy latency from write to ACK, and what the fleet received.
   */
  record Convergence(
      List<Long> latenciesMillis,
      int missing,
      Map<String, Long> bytes,
      Map<String, Long> resources) {}

  /** On host mode's loopback plaintext port. */
  ProxyFleet(int port, List<ProxyIdentity> identities) {
    this(new FleetTransport.Plaintext(port), identities);
  }

  ProxyFleet(FleetTransport transport, List<ProxyIdentity> identities) {
    for (ProxyIdentity id : identities) {
      ManagedChannel channel = transport.channel(id, callbacks);
      channels.add(channel);
      proxies.add(new SimulatedProxy(id, channel, transport.credentials(id), subscriptions));
    }
  }

  /** Connects every proxy, then waits until all have ACKed every type they subscribed to. */
  Duration connectAndSync(Duration timeout) throws InterruptedException {
    long start = System.nanoTime();
    proxies.forEach(SimulatedProxy::start);
    long deadline = start + timeout.toNanos();
    while (proxies.stream().anyMatch(p -> !p.synced())) {
      failOnStreamError();
      if (System.nanoTime() > deadline) {
        long synced = proxies.stream().filter(SimulatedProxy::synced).count();
        throw new IllegalStateException(
            "only "
                + synced
                + " of "
                + proxies.size()
                + " proxies synced within "
                + timeout
                + "; first unsynced acked "
                + proxies.stream()
                    .filter(p -> !p.synced())
                    .findFirst()
                    .map(SimulatedProxy::ackedVersions)
                    .orElseThrow());
      }
      Thread.sleep(100);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Applies a change and waits until every proxy has ACKed a response that shows it, then a quiet
   * period so that any extra push the change caused is counted in the bytes.
   */
  Convergence measure(
      Runnable change,
      Function<SimulatedProxy, Predicate<DiscoveryResponse>> shows,
      Duration timeout,
      Duration quiet)
      throws InterruptedException {
    List<SimulatedProxy.Watch> watches = new ArrayList<>();
    for (SimulatedProxy p : proxies) {
      SimulatedProxy.Watch w = new SimulatedProxy.Watch(shows.apply(p));
      watches.add(w);
      p.await(w);
    }
    Map<String, Long> bytesBefore = totals(SimulatedProxy::bytes);
    Map<String, Long> resourcesBefore = totals(SimulatedProxy::resources);
    long t0 = System.nanoTime();
    change.run();
    long deadline = t0 + timeout.toNanos();
    while (watches.stream().anyMatch(w -> w.ackedAtNanos < 0) && System.nanoTime() < deadline) {
      failOnStreamError();
      Thread.sleep(20);
    }
    Thread.sleep(quiet.toMillis());
    List<Long> latencies = new ArrayList<>();
    int missing = 0;
    for (SimulatedProxy.Watch w : watches) {
      if (w.ackedAtNanos < 0) {
        missing++;
      } else {
        latencies.add(TimeUnit.NANOSECONDS.toMillis(w.ackedAtNanos - t0));
      }
    }
    proxies.forEach(p -> p.await(null));
    return new Convergence(
        latencies,
        missing,
        minus(totals(SimulatedProxy::bytes), bytesBefore),
        minus(totals(SimulatedProxy::resources), resourcesBefore));
  }

  /** ADS streams reopened after a broken connection, over the whole fleet. */
  long reconnects() {
    return proxies.stream().mapToLong(SimulatedProxy::reconnects).sum();
  }

  /** Responses received by the whole fleet, of every type. */
  long responses() {
    return proxies.stream().mapToLong(SimulatedProxy::responses).sum();
  }

  List<SimulatedProxy> proxies() {
    return List.copyOf(proxies);
  }

  long nacks() {
    return proxies.stream().mapToLong(SimulatedProxy::nacks).sum();
  }

  int size() {
    return proxies.size();
  }

  void failOnStreamError() {
    for (SimulatedProxy p : proxies) {
      if (p.streamError() != null) {
        throw new IllegalStateException(
            "proxy " + p.identity() + ": ADS stream failed: " + p.streamError(), p.streamError());
      }
    }
  }

  private Map<String, Long> totals(
      java.util.function.ToLongBiFunction<SimulatedProxy, String> metric) {
    Map<String, Long> sums = new TreeMap<>();
    for (String type : TYPES) {
      sums.put(
          TypeUrls.shortName(type),
          proxies.stream().mapToLong(p -> metric.applyAsLong(p, type)).sum());
    }
    return sums;
  }

  private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> diff = new TreeMap<>();
    after.forEach((k, v) -> diff.put(k, v - before.getOrDefault(k, 0L)));
    return diff;
  }

  @Override
  public void close() throws InterruptedException {
    proxies.forEach(SimulatedProxy::close);
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    callbacks.shutdownNow();
  }
}
