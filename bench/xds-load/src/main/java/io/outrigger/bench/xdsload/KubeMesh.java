package io.outrigger.bench.xdsload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The registry benchmark's mesh, written into a real API server: {@code services} Services in ten
 * namespaces, each with R + 1 Running and Ready pods (R proxy pods of version v1, each one
 * simulated sidecar's: {@code -a}, then {@code -a1}, {@code -a2}, ...; and {@code -b}, version v2),
 * and one EndpointSlice per Service listing them all, as the EndpointSlice controller would; on
 * request ({@link #createCanaries}) a DestinationRule and a canary VirtualService for one service
 * in ten. R is 1 unless there are more proxies than services ({@link #proxyPods}). Pod addresses
 * are in 198.18.0.0/15, unique ({@link #address}); nothing sends traffic to them.
 */
final class KubeMesh {
  static final int PORT = 9080;
  static final String CONTROL_PLANE_NAMESPACE = "outrigger-system";

  /** One service in this many has a DestinationRule and a canary VirtualService. */
  static final int CANARY_EVERY = 10;

  private static final int CANARY_FIRST_WEIGHT = 10;
  private static final int NAMESPACES = 10;

  /** Host numbers per /24 a service index takes: x.y.z.1 to x.y.z.250. */
  private static final int HOSTS_PER_BLOCK = 250;

  /** The /24 blocks of 198.18.0.0/15. */
  private static final int BLOCKS = 512;

  /** Blocks per address slot at most 1,000 services have: the addressing of the first runs. */
  private static final int MIN_BLOCKS_PER_SLOT = 4;

  private final KubernetesClient client;
  private final int services;
  private final int proxyPods;
  private final int[] generation;

  /** UID of service i's proxy pod r, at [i][r]. */
  private final String[][] sidecarPodUid;

  /** The pod behind service i's second endpoint: {@code -b}, or its replacement. */
  private final String[] secondPod;

  /** The canaries' current v2 weight (v1 has the rest). */
  private int canaryWeight = CANARY_FIRST_WEIGHT;

  /** One proxy pod per service ({@code -a}). */
  KubeMesh(KubernetesClient client, int services) {
    this(client, services, 1);
  }

  /**
   * @param proxyPods proxy pods per service, R (see {@link #proxyPods(int, int)})
   */
  KubeMesh(KubernetesClient client, int services, int proxyPods) {
    requireAddresses(services, proxyPods);
    this.client = client;
    this.services = services;
    this.proxyPods = proxyPods;
    this.generation = new int[services];
    this.sidecarPodUid = new String[services][proxyPods];
    this.secondPod = new String[services];
    for (int i = 0; i < services; i++) {
      secondPod[i] = name(i) + "-b";
    }
  }

  /**
   * Creates every object, four writers at a time (the API server, not the writer, should be the
   * limit).
   */
  void createAll() throws Exception {
    // The control plane's own namespace, as in a cluster: its leader Lease lives there.
    for (int ns = -1; ns < NAMESPACES; ns++) {
      String namespace = ns < 0 ? CONTROL_PLANE_NAMESPACE : namespace(ns);
      client
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      forEach(
          writers,
          i ->
              client
                  .resource(
                      new ServiceAccountBuilder()
                          .withNewMetadata()
                          .withNamespace(ns(i))
                          .withName(name(i))
                          .endMetadata()
                          .build())
                  .create());
      forEach(
          writers,
          i -> {
            for (int r = 0; r < proxyPods; r++) {
              sidecarPodUid[i][r] =
                  pod(i, proxyPod(i, r), address(services, i, proxySlot(r))).getMetadata().getUid();
            }
            pod(i, secondPod[i], address(services, i, 1));
            client
                .resource(
                    new ServiceBuilder()
                        .withNewMetadata()
                        .withNamespace(ns(i))
                        .withName(name(i))
                        .endMetadata()
                        .withNewSpec()
                        .withSelector(Map.of("app", name(i)))
                        .addNewPort()
                        .withName("http")
                        .withPort(PORT)
                        .withTargetPort(new IntOrString(PORT))
                        .endPort()
                        .endSpec()
                        .build())
                .create();
            client.resource(slice(i)).create();
          });
    } finally {
      writers.shutdownNow();
    }
  }

  private void forEach(ExecutorService writers, IntConsumer write) throws Exception {
    forEach(writers, 1, write);
  }

  /** Services 0, step, 2 step, ..., each written on {@code writers}; waits for all. */
  private void forEach(ExecutorService writers, int step, IntConsumer write) throws Exception {
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < services; i += step) {
      int service = i;
      done.add(writers.submit(() -> write.accept(service)));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  /** A Running and Ready pod of service i: a proxy pod is version v1, every other one v2. */
  private Pod pod(int i, String podName, String ip) {
    Map<String, String> labels =
        podName.startsWith(name(i) + "-a") ? labels(i) : Map.of("app", name(i), "version", "v2");
    Pod created =
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace(ns(i))
                    .withName(podName)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withServiceAccountName(name(i))
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                    .withName("app")
                    .withImage("app")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    created.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .addNewPodIP(ip)
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .build());
    return client.pods().inNamespace(ns(i)).resource(created).updateStatus();
  }

  private EndpointSlice slice(int i) {
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withNamespace(ns(i))
            .withName(name(i) + "-slice")
            .addToLabels("kubernetes.io/service-name", name(i))
            .endMetadata()
            .withAddressType("IPv4")
            .addNewPort()
            .withName("http")
            .withPort(PORT)
            .withProtocol("TCP")
            .endPort();
    for (int r = 0; r < proxyPods; r++) {
      endpoint(slice, i, address(services, i, proxySlot(r)), proxyPod(i, r));
    }
    endpoint(slice, i, address(services, i, 1 + 2 * generation[i]), secondPod[i]);
    return slice.build();
  }

  private static void endpoint(EndpointSliceBuilder slice, int i, String address, String pod) {
    slice
        .addNewEndpoint()
        .withAddresses(address)
        .withNewConditions()
        .withReady(true)
        .endConditions()
        .withNewTargetRef()
        .withKind("Pod")
        .withNamespace(ns(i))
        .withName(pod)
        .endTargetRef()
        .endEndpoint();
  }

  /** Moves service {@code i}'s second endpoint to a new address with one slice write. */
  void moveEndpoint(int i) {
    generation[i]++;
    HasMetadata updated = slice(i);
    client.resource(updated).update();
  }

  /**
   * Before {@link #moveEndpoint}, as when a pod is replaced: a new Running and Ready pod of service
   * {@code i} at the address the move will give its second endpoint, which the slice then names (a
   * control plane that labels endpoints by their pod, as istiod does, needs it). The old pod stays,
   * out of the slice.
   */
  void replaceSecondPod(int i) {
    secondPod[i] = name(i) + "-b" + (generation[i] + 1);
    pod(i, secondPod[i], nextAddress(i));
  }

  /** Creates a namespace (a control plane's own: istiod's {@code istio-system}). */
  void createNamespace(String namespace) {
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
  }

  /**
   * For one service in {@value #CANARY_EVERY}: a DestinationRule with subsets v1 and v2 (by the
   * pods' {@code version} label) and a canary VirtualService sending v2 {@link #canaryWeight()}
   * percent, as networking.istio.io/v1 objects, four writers at a time.
   */
  void createCanaries() throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      forEachCanary(
          writers,
          i ->
              client
                  .resource(
                      """
                      apiVersion: networking.istio.io/v1
                      kind: DestinationRule
                      metadata: {name: %s, namespace: %s}
                      spec:
                        host: %s
                        subsets:
                        - {name: v1, labels: {version: v1}}
                        - {name: v2, labels: {version: v2}}
                      """
                          .formatted(name(i), ns(i), host(i)))
                  .create());
      forEachCanary(writers, i -> client.resource(canary(i)).create());
    } finally {
      writers.shutdownNow();
    }
  }

  /**
   * The change to every route: every canary VirtualService gets a new v2 weight (one write each,
   * four writers at a time); every proxy's route configuration for the port holds all of them.
   *
   * @return the new v2 weight
   */
  int shiftCanaries() throws Exception {
    canaryWeight = canaryWeight % 50 + 10;
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      forEachCanary(writers, i -> client.resource(canary(i)).update());
    } finally {
      writers.shutdownNow();
    }
    return canaryWeight;
  }

  /** The weight {@link #shiftCanaries} will give v2 next. */
  int nextCanaryWeight() {
    return canaryWeight % 50 + 10;
  }

  int canaries() {
    return (services + CANARY_EVERY - 1) / CANARY_EVERY;
  }

  /** Pods created by {@link #createAll}: R proxy pods and one {@code -b} per service. */
  int pods() {
    return services * (proxyPods + 1);
  }

  private String canary(int i) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          http:
          - route:
            - {destination: {host: %s, subset: v1}, weight: %d}
            - {destination: {host: %s, subset: v2}, weight: %d}
        """
        .formatted(name(i), ns(i), host(i), host(i), 100 - canaryWeight, host(i), canaryWeight);
  }

  private void forEachCanary(ExecutorService writers, IntConsumer write) throws Exception {
    forEach(writers, CANARY_EVERY, write);
  }

  private static String host(int i) {
    return name(i) + "." + ns(i) + ".svc.cluster.local";
  }

  /**
   * The endpoint change of the registry benchmarks: the {@code c}-th change's service (spread over
   * the mesh) gets its second endpoint moved by one slice write; returns when every proxy of {@code
   * fleet} received the EDS showing the new address (or the timeout passed), then {@code quiet}.
   */
  ProxyFleet.Convergence moveEndpointAndWait(
      ProxyFleet fleet, int service, Duration timeout, Duration quiet) throws InterruptedException {
    String address = nextAddress(service);
    return fleet.measure(
        () -> moveEndpoint(service),
        p -> Changes.endpointAt(outboundCluster(service), address),
        timeout,
        quiet);
  }

  /** The service of the {@code c}-th endpoint change, spread over the mesh. */
  int changedService(int c) {
    return (c * 97 + 13) % services;
  }

  /** The address {@link #moveEndpoint} will give service {@code i}'s second endpoint. */
  String nextAddress(int i) {
    return address(services, i, 1 + 2 * (generation[i] + 1));
  }

  String outboundCluster(int i) {
    return "outbound|" + PORT + "||" + host(i);
  }

  /**
   * Simulated sidecar {@code p}, with its pod's UID, no token yet: proxy pod p / S of service p % S
   * (S services), so the first S proxies are the {@code -a} pods, as with one proxy pod per
   * service.
   */
  ProxyIdentity proxy(int p) {
    int i = p % services;
    int r = p / services;
    if (r >= proxyPods) {
      throw new IllegalArgumentException(
          "proxy " + p + ": the mesh has " + services * proxyPods + " proxy pods");
    }
    return new ProxyIdentity(
        ns(i),
        proxyPod(i, r),
        name(i),
        address(services, i, proxySlot(r)),
        labels(i),
        sidecarPodUid[i][r],
        null);
  }

  /**
   * Proxy pods per service for {@code proxies} simulated sidecars over {@code services} services: 1
   * while there are no more proxies than services (the first {@code proxies} services have one);
   * beyond, the same mesh with more meshed pods per service, so PROXIES must be a multiple of
   * SERVICES.
   *
   * @throws IllegalArgumentException with a one-line reason when the shape is not possible
   */
  static int proxyPods(int services, int proxies) {
    if (services < 1 || proxies < 1) {
      throw new IllegalArgumentException(
          "services (" + services + ") and proxies (" + proxies + ") must be at least 1");
    }
    if (proxies <= services) {
      requireAddresses(services, 1);
      return 1;
    }
    if (proxies % services != 0) {
      throw new IllegalArgumentException(
          "proxies ("
              + proxies
              + ") above services ("
              + services
              + ") must be a multiple of it: each service gets proxies / services proxy pods");
    }
    requireAddresses(services, proxies / services);
    return proxies / services;
  }

  /**
   * Fails unless every pod address of the mesh fits 198.18.0.0/15: R proxy slots (even: 0, 2, ...)
   * and at least two {@code -b} slots (odd: 1 for the first pod, 3 for one replacement) per
   * service.
   */
  private static void requireAddresses(int services, int proxyPods) {
    if (Math.max(proxySlot(proxyPods - 1), 3) >= slots(services)) {
      throw new IllegalArgumentException(
          services
              + " services with "
              + proxyPods
              + " proxy pods each do not fit 198.18.0.0/15 ("
              + BLOCKS * HOSTS_PER_BLOCK
              + " pod addresses; each service takes 2 per proxy pod, and at least 4)");
    }
  }

  /** Proxy pod r of a service is at slot 2r (slot 0: {@code -a}); {@code -b}s at odd slots. */
  private static int proxySlot(int r) {
    return 2 * r;
  }

  /** Address slots per service: each slot takes ceil(services / 250) /24 blocks (at least 4). */
  private static int slots(int services) {
    return BLOCKS / blocksPerSlot(services);
  }

  private static int blocksPerSlot(int services) {
    return Math.max(MIN_BLOCKS_PER_SLOT, (services + HOSTS_PER_BLOCK - 1) / HOSTS_PER_BLOCK);
  }

  /** Service i's proxy pod r: {@code -a}, then {@code -a1}, {@code -a2}, ... */
  private static String proxyPod(int i, int r) {
    return name(i) + "-a" + (r == 0 ? "" : Integer.toString(r));
  }

  /**
   * What the kubelet projects into each sidecar: a TokenRequest token of the pod's service account
   * bound to the pod (name and UID), for {@code audience}, valid for {@code lifetime}. {@code
   * concurrency} requests at a time.
   */
  List<ProxyIdentity> withTokens(
      List<ProxyIdentity> proxies, String audience, Duration lifetime, int concurrency)
      throws Exception {
    ExecutorService requests = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<ProxyIdentity>> issued = new ArrayList<>();
      for (ProxyIdentity p : proxies) {
        issued.add(requests.submit(() -> p.withToken(token(p, audience, lifetime))));
      }
      List<ProxyIdentity> done = new ArrayList<>();
      for (Future<ProxyIdentity> f : issued) {
        done.add(f.get());
      }
      return done;
    } finally {
      requests.shutdownNow();
    }
  }

  private String token(ProxyIdentity p, String audience, Duration lifetime) {
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(audience)
            .withExpirationSeconds(lifetime.toSeconds())
            .withNewBoundObjectRef("v1", "Pod", p.workload(), p.podUid())
            .endSpec()
            .build();
    String token =
        client
            .serviceAccounts()
            .inNamespace(p.namespace())
            .withName(p.serviceAccount())
            .tokenRequest(request)
            .getStatus()
            .getToken();
    if (token == null || token.isBlank()) {
      throw new IllegalStateException("TokenRequest for pod " + p + ": no token in the answer");
    }
    return token;
  }

  /** The IP of service 0's first proxy pod ({@code -a}), whatever the mesh's size. */
  static String firstSidecarAddress() {
    return address(1, 0, 0);
  }

  /**
   * Slot s of service i of {@code services}: the /24 block b = s * B + i / 250 of 198.18.0.0/15 (B
   * = {@link #blocksPerSlot}: 4 up to 1,000 services, so 198.18.(s*4 + i/250).(i%250 + 1) as in the
   * first runs), host i % 250 + 1. Unique over services and slots; a slot beyond the range fails
   * rather than wrap onto a pod that exists.
   */
  static String address(int services, int i, int slot) {
    if (i < 0 || i >= services || slot < 0 || slot >= slots(services)) {
      throw new IllegalStateException(
          "no pod address for service "
              + i
              + " of "
              + services
              + ", slot "
              + slot
              + ": "
              + slots(services)
              + " slots per service fit 198.18.0.0/15 (too many replacements of one service's"
              + " pod: fewer --endpoint-changes)");
    }
    int block = slot * blocksPerSlot(services) + i / HOSTS_PER_BLOCK;
    return "198." + (18 + block / 256) + "." + block % 256 + "." + (i % HOSTS_PER_BLOCK + 1);
  }

  private static Map<String, String> labels(int i) {
    return Map.of("app", name(i), "version", "v1");
  }

  private static String ns(int i) {
    return namespace(i % NAMESPACES);
  }

  private static String namespace(int ns) {
    return "bench-" + ns;
  }

  private static String name(int i) {
    return "svc-" + i;
  }
}
