package io.outrigger.controlplane.xds;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The live ADS streams whose proxy was admitted: what the push engine pushes to. */
public final class ProxyStreams {
  private final Map<Long, ProxyStream<?, ?>> streams = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  long nextId() {
    return ids.incrementAndGet();
  }

  void add(ProxyStream<?, ?> stream) {
    streams.put(stream.id(), stream);
  }

  void remove(ProxyStream<?, ?> stream) {
    streams.remove(stream.id());
  }

  /** A snapshot: streams admitted or closed later do not show in it. */
  public List<ProxyStream<?, ?>> all() {
    return List.copyOf(streams.values());
  }

  public int size() {
    return streams.size();
  }

  public List<ProxySyncStatus> syncStatus() {
    return all().stream().map(ProxyStream::status).toList();
  }
}
