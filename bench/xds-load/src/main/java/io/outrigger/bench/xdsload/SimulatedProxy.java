package io.outrigger.bench.xdsload;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated sidecar: a real state-of-the-world ADS stream that subscribes the way Envoy does
 * (CDS and LDS wildcard, then EDS for the EDS clusters it received, RDS for the route configs its
 * listeners name, SDS when a cluster or listener carries TLS) and ACKs every response it accepts.
 */
final class SimulatedProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimulatedProxy.class);
  private static final List<String> SIDECAR_SECRETS = List.of("default", "ROOTCA");
  private static final long FIRST_BACKOFF_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 8_000;

  /**
   * Streams reopened per proxy at most. istiod refuses streams beyond its request rate (about 20 a
   * second on 2 cores), so with 5,000 proxies the last ones are refused for minutes: 100 retries at
   * a mean backoff of 8 s outlast any sync timeout in use, which is then what ends a run.
   */
  private static final int MAX_RECONNECTS = 100;

  private static final ScheduledExecutorService RETRIES =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("proxy-retries").unstarted(r));

  private final ProxyIdentity identity;
  private final Node node;
  private final Subscriptions shared;
  private final Channel channel;
  private final CallCredentials credentials;
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final Map<String, String> ackedVersion = new ConcurrentHashMap<>();
  private final Map<String, String> lastNonce = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> bytesByType = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> resourcesByType = new ConcurrentHashMap<>();
  private final AtomicLong nacks = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();

  /** Cluster name to its latest ClusterLoadAssignment, when {@link #keepEndpoints} asked for it. */
  private final Map<String, ClusterLoadAssignment> endpoints = new ConcurrentHashMap<>();

  /** Ports of the listeners of the latest LDS response (a state-of-the-world LDS is complete). */
  private volatile Set<Integer> listenerPorts = Set.of();

  private volatile boolean keepEndpoints;
  private volatile StreamObserver<DiscoveryRequest> requests;
  private volatile Watch watch;
  private volatile Throwable streamError;
  private volatile boolean closing;

  /** Records the ACK time of the first response that shows an awaited change. */
  static final class Watch {
    final Predicate<DiscoveryResponse> shows;
    volatile long ackedAtNanos = -1;

    Watch(Predicate<DiscoveryResponse> shows) {
      this.shows = shows;
    }
  }

  /**
   * What the proxy subscribed to for one type, with the request that says so already built (but for
   * the node): like Envoy, a proxy sends its whole sorted name list with every ACK, but it sorts
   * and encodes that list when the subscription changes, not once per ACK (with 2,000 EDS names per
   * proxy, re-sorting per ACK made the simulated fleet, which shares the control plane's cores, the
   * bottleneck of the benchmark).
   */
  private record Subscription(Set<String> names, DiscoveryRequest request) {}

  /**
   * The subscriptions of a fleet, one object per distinct (type, names): the proxies of a mesh ask
   * for the same ~1,200 EDS names, which held once per proxy cost the harness ~230 KB each (over 1
   * GB of its heap at 5,000 proxies). Lives as long as the fleet.
   */
  static final class Subscriptions {
    private final Map<String, Map<Set<String>, Subscription>> byType = new ConcurrentHashMap<>();

    private Subscription of(String typeUrl, Set<String> names) {
      return byType
          .computeIfAbsent(typeUrl, t -> new ConcurrentHashMap<>())
          .computeIfAbsent(
              Set.copyOf(names),
              key -> {
                DiscoveryRequest.Builder request =
                    DiscoveryRequest.newBuilder().setTypeUrl(typeUrl);
                for (String name : new TreeSet<>(key)) {
                  request.addResourceNamesBytes(ByteString.copyFromUtf8(name));
                }
                return new Subscription(key, request.build());
              });
    }
  }

  /**
   * @param credentials what the ADS call carries (the proxy's token on the TLS port); null: nothing
   * @param shared the fleet's subscriptions
   */
  SimulatedProxy(
      ProxyIdentity identity, Channel channel, CallCredentials credentials, Subscriptions shared) {
    this.identity = identity;
    this.node = identity.node();
    this.shared = shared;
    this.channel = channel;
    this.credentials = credentials;
  }

  void start() {
    openStream();
    subscribe(TypeUrls.CLUSTER, Set.of());
    subscribe(TypeUrls.LISTENER, Set.of());
  }

  private synchronized void openStream() {
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub =
        AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (credentials != null) {
      stub = stub.withCallCredentials(credentials);
    }
    requests = stub.streamAggregatedResources(new Responses());
  }

  /**
   * Like Envoy after its ADS stream broke: a new stream that asks again for everything it was
   * subscribed to, stating the versions it holds.
   */
  private synchronized void reopen() {
    if (closing) {
      return;
    }
    lastNonce.clear();
    openStream();
    subscriptions.keySet().forEach(this::send);
  }

  /** Times a stream was reopened after the connection failed (UNAVAILABLE). */
  long reconnects() {
    return reconnects.get();
  }

  ProxyIdentity identity() {
    return identity;
  }

  /** True once every type it subscribed to has an ACKed version. */
  boolean synced() {
    return !subscriptions.isEmpty() && ackedVersion.keySet().containsAll(subscriptions.keySet());
  }

  Map<String, String> ackedVersions() {
    return Map.copyOf(ackedVersion);
  }

  Throwable streamError() {
    return streamError;
  }

  long nacks() {
    return nacks.get();
  }

  long bytes(String typeUrl) {
    return bytesByType.getOrDefault(typeUrl, new AtomicLong()).get();
  }

  long resources(String typeUrl) {
    return resourcesByType.getOrDefault(typeUrl, new AtomicLong()).get();
  }

  /** Ports of the listeners it holds (0 for a listener without a socket address). */
  Set<Integer> listenerPorts() {
    return listenerPorts;
  }

  /** Names of the resources it subscribed to of one type (EDS clusters, route configs). */
  Set<String> subscribed(String typeUrl) {
    Subscription s = subscriptions.get(typeUrl);
    return s == null ? Set.of() : s.names();
  }

  /** Responses received on the stream, of every type. */
  long responses() {
    return responses.get();
  }

  /**
   * Keep the latest assignment of every cluster, as Envoy does (an EDS response of a
   * state-of-the-world stream may carry only the clusters that changed), for {@link #endpoints}.
   */
  void keepEndpoints() {
    keepEndpoints = true;
  }

  /** The latest ClusterLoadAssignment of every cluster received since {@link #keepEndpoints}. */
  Map<String, ClusterLoadAssignment> endpoints() {
    return Map.copyOf(endpoints);
  }

  void await(Watch w) {
    watch = w;
  }

  private synchronized void subscribe(String typeUrl, Set<String> names) {
    subscriptions.put(typeUrl, shared.of(typeUrl, names));
    send(typeUrl);
  }

  private synchronized void send(String typeUrl) {
    Subscription subscription = subscriptions.get(typeUrl);
    DiscoveryRequest.Builder request =
        (subscription != null
                ? subscription.request().toBuilder()
                : DiscoveryRequest.newBuilder().setTypeUrl(typeUrl))
            .setNode(node);
    String version = ackedVersion.get(typeUrl);
    if (version != null) {
      request.setVersionInfo(version);
    }
    String nonce = lastNonce.get(typeUrl);
    if (nonce != null) {
      request.setResponseNonce(nonce);
    }
    requests.onNext(request.build());
  }

  private void onResponse(DiscoveryResponse response) {
    long now = System.nanoTime();
    String type = response.getTypeUrl();
    responses.incrementAndGet();
    bytesByType
        .computeIfAbsent(type, t -> new AtomicLong())
        .addAndGet(response.getSerializedSize());
    resourcesByType
        .computeIfAbsent(type, t -> new AtomicLong())
        .addAndGet(response.getResourcesCount());
    try {
      Set<String> follow = dependentNames(type, response.getResourcesList());
      if (type.equals(TypeUrls.LISTENER)) {
        Set<Integer> ports = new TreeSet<>();
        for (Any any : response.getResourcesList()) {
          ports.add(any.unpack(Listener.class).getAddress().getSocketAddress().getPortValue());
        }
        listenerPorts = Set.copyOf(ports);
      }
      if (keepEndpoints && type.equals(TypeUrls.ENDPOINTS)) {
        for (Any any : response.getResourcesList()) {
          ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(any.getValue());
          endpoints.put(cla.getClusterName(), cla);
        }
      }
      synchronized (this) {
        lastNonce.put(type, response.getNonce());
        ackedVersion.put(type, response.getVersionInfo());
        // Like Envoy: ask for the dependent resources before ACKing the parent type.
        if (follow != null) {
          String child = type.equals(TypeUrls.CLUSTER) ? TypeUrls.ENDPOINTS : TypeUrls.ROUTES;
          Subscription current = subscriptions.get(child);
          if (current == null || !follow.equals(current.names())) {
            subscribe(child, follow);
          }
          subscribeSecretsIfTls(response.getResourcesList(), type);
        }
        send(type);
      }
      Watch w = watch;
      if (w != null && w.ackedAtNanos < 0 && w.shows.test(response)) {
        w.ackedAtNanos = now;
      }
    } catch (InvalidProtocolBufferException e) {
      nacks.incrementAndGet();
      log.warn("event=nack proxy={} type={} reason={}", identity.workload(), type, e.getMessage());
      synchronized (this) {
        lastNonce.put(type, response.getNonce());
        send(type);
      }
    }
  }

  /** Names of EDS clusters (for CDS) or route configs (for LDS); null for other types. */
  private static Set<String> dependentNames(String type, Collection<Any> resources)
      throws InvalidProtocolBufferException {
    if (type.equals(TypeUrls.CLUSTER)) {
      Set<String> eds = new TreeSet<>();
      for (Any any : resources) {
        Cluster cluster = any.unpack(Cluster.class);
        if (cluster.getType() == Cluster.DiscoveryType.EDS) {
          eds.add(
              cluster.hasEdsClusterConfig()
                      && !cluster.getEdsClusterConfig().getServiceName().isEmpty()
                  ? cluster.getEdsClusterConfig().getServiceName()
                  : cluster.getName());
        }
      }
      return eds;
    }
    if (type.equals(TypeUrls.LISTENER)) {
      Set<String> rds = new TreeSet<>();
      for (Any any : resources) {
        Listener listener = any.unpack(Listener.class);
        for (FilterChain chain : listener.getFilterChainsList()) {
          collectRouteNames(chain, rds);
        }
        if (listener.hasDefaultFilterChain()) {
          collectRouteNames(listener.getDefaultFilterChain(), rds);
        }
      }
      return rds;
    }
    return null;
  }

  private static void collectRouteNames(FilterChain chain, Set<String> into)
      throws InvalidProtocolBufferException {
    for (Filter filter : chain.getFiltersList()) {
      if (filter.getTypedConfig().getTypeUrl().equals(TypeUrls.HTTP_CONNECTION_MANAGER)) {
        HttpConnectionManager hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
        if (hcm.hasRds()) {
          into.add(hcm.getRds().getRouteConfigName());
        }
      }
    }
  }

  /**
   * Sidecars fetch their key and the mesh root over the same stream once TLS whose secrets come
   * from ADS appears in config (Outrigger's). Istio's TLS names its agent's SDS server ({@code
   * sds-grpc}) instead, which a real Envoy asks, not istiod.
   */
  private void subscribeSecretsIfTls(Collection<Any> resources, String type)
      throws InvalidProtocolBufferException {
    if (subscriptions.containsKey(TypeUrls.SECRET)) {
      return;
    }
    boolean tls = false;
    for (Any any : resources) {
      if (type.equals(TypeUrls.CLUSTER)) {
        Cluster cluster = any.unpack(Cluster.class);
        tls |= cluster.hasTransportSocket() && secretsOverAds(cluster.getTransportSocket(), false);
        for (Cluster.TransportSocketMatch match : cluster.getTransportSocketMatchesList()) {
          tls |= secretsOverAds(match.getTransportSocket(), false);
        }
      } else {
        for (FilterChain chain : any.unpack(Listener.class).getFilterChainsList()) {
          tls |= chain.hasTransportSocket() && secretsOverAds(chain.getTransportSocket(), true);
        }
      }
    }
    if (tls) {
      subscribe(TypeUrls.SECRET, Set.copyOf(SIDECAR_SECRETS));
    }
  }

  /** A TLS transport socket that takes a secret from ADS (an SDS config with {@code ads}). */
  private static boolean secretsOverAds(TransportSocket socket, boolean downstream)
      throws InvalidProtocolBufferException {
    Any config = socket.getTypedConfig();
    CommonTlsContext tls;
    if (downstream && config.is(DownstreamTlsContext.class)) {
      tls = config.unpack(DownstreamTlsContext.class).getCommonTlsContext();
    } else if (!downstream && config.is(UpstreamTlsContext.class)) {
      tls = config.unpack(UpstreamTlsContext.class).getCommonTlsContext();
    } else {
      return false;
    }
    List<SdsSecretConfig> secrets = new ArrayList<>(tls.getTlsCertificateSdsSecretConfigsList());
    secrets.add(tls.getValidationContextSdsSecretConfig());
    secrets.add(tls.getCombinedValidationContext().getValidationContextSdsSecretConfig());
    return secrets.stream().anyMatch(s -> s.getSdsConfig().hasAds());
  }

  @Override
  public void close() {
    closing = true;
    StreamObserver<DiscoveryRequest> r = requests;
    if (r != null) {
      try {
        r.onCompleted();
      } catch (RuntimeException e) {
        log.debug("event=close_failed proxy={} reason={}", identity.workload(), e.toString());
      }
    }
  }

  private final class Responses implements StreamObserver<DiscoveryResponse> {
    @Override
    public void onNext(DiscoveryResponse response) {
      onResponse(response);
    }

    @Override
    public void onError(Throwable t) {
      if (closing) {
        return;
      }
      // A broken connection (the server closed it, say, because its TLS handshake took longer
      // than the server allows while 1,000 proxies connected at once) or a stream the server
      // refused for its rate limit (istiod's RESOURCE_EXHAUSTED, PILOT_MAX_REQUESTS_PER_SECOND) is
      // retried with backoff, as Envoy does; any other status (a refused token, say) ends the run
      // with its reason.
      long attempt = reconnects.get() + 1;
      Status.Code code = Status.fromThrowable(t).getCode();
      if ((code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED)
          && attempt <= MAX_RECONNECTS) {
        reconnects.incrementAndGet();
        long base = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << (attempt - 1));
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base);
        log.info(
            "event=stream_retry proxy={} attempt={} delay_ms={} reason={}",
            identity.workload(),
            attempt,
            delay,
            t.toString());
        RETRIES.schedule(SimulatedProxy.this::reopen, delay, TimeUnit.MILLISECONDS);
        return;
      }
      streamError = t;
      log.warn("event=stream_error proxy={} reason={}", identity.workload(), t.toString());
    }

    @Override
    public void onCompleted() {
      log.info("event=stream_closed proxy={}", identity.workload());
    }
  }
}
