package io.outrigger.controlplane.xds;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change in, pushes out: debounces change signals, then recomputes every connected proxy's snapshot
 * on a bounded worker pool, all from one model snapshot ({@link SnapshotSource#forPush()}), and
 * pushes to the proxies whose resources actually moved. Pushes run one at a time; changes arriving
 * during a push start the next debounce window.
 */
public final class PushEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushEngine.class);
  private static final Duration RENEWAL_SLOT = Duration.ofSeconds(5);

  private final ProxyStreams streams;
  private final SnapshotSource snapshots;
  private final XdsMetrics metrics;
  private final Debounce debounce;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService workers;
  private final int parallelism;
  private long firstChangeNanos;
  private long lastChangeNanos;
  private ScheduledFuture<?> pending;
  private final Set<Instant> renewals = ConcurrentHashMap.newKeySet();

  public PushEngine(
      ProxyStreams streams,
      SnapshotSource snapshots,
      XdsMetrics metrics,
      Debounce debounce,
      int parallelism) {
    this.streams = streams;
    this.snapshots = snapshots;
    this.metrics = metrics;
    this.debounce = debounce;
    this.parallelism = Math.max(1, parallelism);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(named("outrigger-push-debounce"));
    this.workers = Executors.newFixedThreadPool(this.parallelism, named("outrigger-push-worker"));
  }

  /** Signals that the mesh changed; the push follows after the debounce. */
  public synchronized void changed() {
    long now = System.nanoTime();
    if (firstChangeNanos == 0) {
      firstChangeNanos = now;
    }
    lastChangeNanos = now;
    if (pending == null) {
      pending =
          scheduler.schedule(this::maybeFlush, debounce.quiet().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Recomputes every proxy at {@code at}, e.g. to push renewed certificates before they expire.
   * Requests are coalesced into 5-second slots (rounded up, never before {@code at}): identities
   * renewing together cost one push per slot, not one each.
   */
  public void recomputeAt(Instant at) {
    long slotMillis = RENEWAL_SLOT.toMillis();
    Instant slot = Instant.ofEpochMilli(Math.ceilDiv(at.toEpochMilli(), slotMillis) * slotMillis);
    if (!renewals.add(slot)) {
      return;
    }
    long delay = Math.max(0, Duration.between(Instant.now(), slot).toMillis());
    scheduler.schedule(
        () -> {
          renewals.remove(slot);
          flush(0);
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  private void maybeFlush() {
    long start;
    synchronized (this) {
      long now = System.nanoTime();
      long quietUntil = lastChangeNanos + debounce.quiet().toNanos();
      long maxUntil = firstChangeNanos + debounce.max().toNanos();
      if (now < quietUntil && now < maxUntil) {
        pending =
            scheduler.schedule(
                this::maybeFlush, Math.min(quietUntil, maxUntil) - now, TimeUnit.NANOSECONDS);
        return;
      }
      start = firstChangeNanos;
      firstChangeNanos = 0;
      pending = null;
    }
    flush(start);
  }

  /** Recomputes and pushes now; {@code changeStartNanos} (0 if none) times convergence. */
  void flush(long changeStartNanos) {
    long begin = System.nanoTime();
    SnapshotSource push = snapshots.forPush();
    List<ProxyStream<?, ?>> list = streams.all();
    AtomicInteger pushed = new AtomicInteger();
    List<Future<?>> parts = new ArrayList<>();
    int chunk = Math.max(1, (list.size() + parallelism - 1) / parallelism);
    for (int from = 0; from < list.size(); from += chunk) {
      List<ProxyStream<?, ?>> part = list.subList(from, Math.min(list.size(), from + chunk));
      parts.add(
          workers.submit(
              () ->
                  part.forEach(
                      s -> {
                        if (recompute(push, s, changeStartNanos)) {
                          pushed.incrementAndGet();
                        }
                      })));
    }
    for (Future<?> part : parts) {
      try {
        part.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        log.error("event=push_failed", e);
      }
    }
    long took = System.nanoTime() - begin;
    metrics.pushTook(took);
    log.info(
        "event=push proxies={} pushed={} took_ms={}", list.size(), pushed.get(), took / 1_000_000);
  }

  private static boolean recompute(
      SnapshotSource push, ProxyStream<?, ?> stream, long changeStartNanos) {
    ConnectedProxy proxy = stream.proxy();
    try {
      // The streams diff per resource: a proxy whose resources did not move is sent nothing.
      return stream.push(push.snapshot(proxy), changeStartNanos);
    } catch (RuntimeException e) {
      // One proxy's failure must not stop the others' pushes; it keeps its last good config.
      log.error("event=push_proxy_failed proxy={} reason=\"{}\"", proxy.id(), e.getMessage(), e);
      return false;
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    workers.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return Thread.ofPlatform().name(name + "-", 0).daemon(true).factory();
  }
}
