package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ADS stream (SotW or Delta): admits the proxy on its first request, keeps per-type state, and
 * sends what changed. Requests and pushes are serialized on this object's monitor.
 */
public abstract class ProxyStream<Q, R> implements StreamObserver<Q> {
  private static final Logger log = LoggerFactory.getLogger(ProxyStream.class);

  private final long id;
  private final Instant connectedAt = Instant.now();
  private final StreamObserver<R> out;
  private final StreamDependencies deps;
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private ConnectedProxy proxy;
  private ProxySnapshot snapshot = ProxySnapshot.EMPTY;
  private long changeNanos;
  private long nonces;
  private boolean closed;

  ProxyStream(StreamObserver<R> out, StreamDependencies deps) {
    this.out = out;
    this.deps = deps;
    this.id = deps.streams().nextId();
  }

  abstract String protocol();

  abstract Node nodeOf(Q request);

  /**
   * Applies the request to {@code state} (subscription, ACK/NACK); {@code first}: the stream's
   * first request of this type.
   *
   * @return true when the subscription changed, so the proxy may now lack something
   */
  abstract boolean handle(Q request, TypeState state, boolean first);

  abstract String typeUrlOf(Q request);

  /** Sends what {@code state}'s proxy lacks of the current snapshot, if anything. */
  abstract void respond(TypeState state, Map<String, XdsResource> current);

  @Override
  public final synchronized void onNext(Q request) {
    if (closed || (proxy == null && !admit(nodeOf(request)))) {
      return;
    }
    String typeUrl = typeUrlOf(request);
    if (!XdsTypes.PUSH_ORDER.contains(typeUrl)) {
      log.warn("event=xds_unknown_type proxy={} type={}", proxy.id(), typeUrl);
      return;
    }
    TypeState state = types.computeIfAbsent(typeUrl, TypeState::new);
    boolean first = !state.requested;
    state.requested = true;
    // A bare ACK or NACK cannot make anything new to send: pushes already sent every change.
    if (handle(request, state, first) || first) {
      state.resync();
      respond(state, snapshot.resources(typeUrl));
    }
  }

  /**
   * Replaces the proxy's snapshot and sends each type's changes, clusters first.
   *
   * @return true when anything was sent
   */
  public final synchronized boolean push(ProxySnapshot next, long changeStartNanos) {
    if (closed) {
      return false;
    }
    this.snapshot = next;
    this.changeNanos = changeStartNanos;
    long before = nonces;
    for (String typeUrl : XdsTypes.PUSH_ORDER) {
      TypeState state = types.get(typeUrl);
      if (state != null) {
        respond(state, next.resources(typeUrl));
      }
    }
    this.changeNanos = 0;
    return nonces != before;
  }

  private boolean admit(Node node) {
    try {
      proxy = deps.admission().admit(node);
    } catch (StatusException e) {
      log.warn(
          "event=xds_refused stream={} node={} code={} reason=\"{}\"",
          id,
          node.getId(),
          e.getStatus().getCode(),
          e.getStatus().getDescription());
      deps.metrics().refused(e.getStatus().getCode().name());
      close(e);
      return false;
    } catch (RuntimeException e) {
      log.error("event=xds_admission_failed stream={} node={}", id, node.getId(), e);
      close(Status.INTERNAL.withDescription("admission failed: " + e.getMessage()).asException());
      return false;
    }
    snapshot = deps.snapshots().snapshot(proxy);
    deps.streams().add(this);
    log.info(
        "event=xds_connected stream={} proxy={} identity={} authenticated={} protocol={}",
        id,
        proxy.id(),
        proxy.identity(),
        proxy.authenticated(),
        protocol());
    return true;
  }

  final String nextNonce() {
    return Long.toString(++nonces);
  }

  /** Records and sends one response; {@code version} is what the proxy will ACK or NACK. */
  final void deliver(
      R response, TypeState state, String version, String nonce, List<XdsResource> sent) {
    long bytes = 0;
    for (XdsResource r : sent) {
      bytes += r.sizeBytes();
    }
    state.everSent = true;
    state.lastNonce = nonce;
    state.sentVersion = version;
    state.sentAt = Instant.now();
    state.sentChangeNanos = changeNanos;
    deps.metrics().pushed(state.typeUrl, sent.size(), bytes);
    if (XdsTypes.CLUSTER.equals(state.typeUrl)) {
      forgetEndpointsOf(sent);
    }
    out.onNext(response);
    log.debug(
        "event=xds_sent proxy={} type={} version={} nonce={} resources={} bytes={}",
        proxy.id(),
        XdsTypes.shortName(state.typeUrl),
        version,
        nonce,
        sent.size(),
        bytes);
  }

  /**
   * A changed cluster is rebuilt by Envoy and warms until it gets endpoints again, so its
   * ClusterLoadAssignment (same name, by our naming) must follow even if unchanged.
   */
  private void forgetEndpointsOf(List<XdsResource> clusters) {
    TypeState endpoints = types.get(XdsTypes.ENDPOINT);
    if (endpoints != null) {
      clusters.forEach(c -> endpoints.forget(c.name()));
    }
  }

  final void acked(TypeState state, String version) {
    state.ackedVersion = version;
    state.ackedNonce = state.lastNonce;
    state.ackedAt = Instant.now();
    if (state.sentChangeNanos != 0) {
      deps.metrics().converged(System.nanoTime() - state.sentChangeNanos);
      state.sentChangeNanos = 0;
    }
  }

  /** Logged once per rejected version: the same version is never re-sent, only a newer one. */
  final void nacked(TypeState state, String message) {
    state.lastNack = new Nack(state.sentVersion, message, Instant.now());
    state.sentChangeNanos = 0;
    deps.metrics().nacked(state.typeUrl);
    log.warn(
        "event=xds_nack proxy={} type={} version={} acked={} error=\"{}\"",
        proxy.id(),
        XdsTypes.shortName(state.typeUrl),
        state.sentVersion,
        state.ackedVersion,
        message);
  }

  static Set<String> withoutWildcard(List<String> names) {
    return names.contains("*")
        ? names.stream().filter(n -> !n.equals("*")).collect(java.util.stream.Collectors.toSet())
        : Set.copyOf(names);
  }

  @Override
  public final void onError(Throwable t) {
    Status status = Status.fromThrowable(t);
    if (status.getCode() != Status.Code.CANCELLED) {
      log.info("event=xds_stream_error stream={} code={}", id, status.getCode());
    }
    closed();
  }

  @Override
  public final void onCompleted() {
    closed();
    synchronized (this) {
      out.onCompleted();
    }
  }

  private synchronized void close(StatusException e) {
    closed = true;
    out.onError(e);
  }

  private synchronized void closed() {
    if (closed) {
      return;
    }
    closed = true;
    deps.streams().remove(this);
    if (proxy != null) {
      log.info("event=xds_disconnected stream={} proxy={}", id, proxy.id());
    }
  }

  public long id() {
    return id;
  }

  public synchronized ConnectedProxy proxy() {
    return proxy;
  }

  public synchronized ProxySnapshot snapshot() {
    return snapshot;
  }

  /** What this stream knows about {@code typeUrl}, or null before its first request of it. */
  synchronized TypeState typeState(String typeUrl) {
    return types.get(typeUrl);
  }

  public synchronized ProxySyncStatus status() {
    return new ProxySyncStatus(
        proxy.id(),
        proxy.identity(),
        proxy.authenticated(),
        protocol(),
        id,
        connectedAt,
        types.values().stream().map(TypeState::status).toList());
  }
}
