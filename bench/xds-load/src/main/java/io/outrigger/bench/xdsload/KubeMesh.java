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
 * namespaces, two Running and Ready pods each ({@code -a}, version v1, which is also the simulated
 * sidecar, and {@code -b}, version v2), and one EndpointSlice per Service listing both, as the
 * EndpointSlice controller would; on request ({@link #createCanaries}) a DestinationRule and a
 * canary VirtualService for one service in ten. Pod addresses are in 198.18.0.0/15; nothing sends
 * traffic to them.
 */
final class KubeMesh {
  static final int PORT = 9080;
  static final String CONTROL_PLANE_NAMESPACE = "outrigger-system";

  /** One service in this many has a DestinationRule and a canary VirtualService. */
  static final int CANARY_EVERY = 10;

  private static final int CANARY_FIRST_WEIGHT = 10;
  private static final int NAMESPACES = 10;

  private final KubernetesClient client;
  private final int services;
  private final int[] generation;
  private final String[] sidecarPodUid;

  /** The pod behind service i's second endpoint: {@code -b}, or its replacement. */
  private final String[] secondPod;

  /** The canaries' current v2 weight (v1 has the rest). */
  private int canaryWeight = CANARY_FIRST_WEIGHT;

  KubeMesh(KubernetesClient client, int services) {
    this.client = client;
    this.services = services;
    this.generation = new int[services];
    this.sidecarPodUid = new String[services];
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
            sidecarPodUid[i] = pod(i, name(i) + "-a", address(i, 0)).getMetadata().getUid();
            pod(i, secondPod[i], address(i, 1));
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

  /** A Running and Ready pod of service i: {@code -a} is version v1, every other one v2. */
  private Pod pod(int i, String podName, String ip) {
    Map<String, String> labels =
        podName.equals(name(i) + "-a") ? labels(i) : Map.of("app", name(i), "version", "v2");
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
    return new EndpointSliceBuilder()
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
        .endPort()
        .addNewEndpoint()
        .withAddresses(address(i, 0))
        .withNewConditions()
        .withReady(true)
        .endConditions()
        .withNewTargetRef()
        .withKind("Pod")
        .withNamespace(ns(i))
        .withName(name(i) + "-a")
        .endTargetRef()
        .endEndpoint()
        .addNewEndpoint()
        .withAddresses(address(i, 1 + 2 * generation[i]))
        .withNewConditions()
        .withReady(true)
        .endConditions()
        .withNewTargetRef()
        .withKind("Pod")
        .withNamespace(ns(i))
        .withName(secondPod[i])
        .endTargetRef()
        .endEndpoint()
        .build();
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
    return address(i, 1 + 2 * (generation[i] + 1));
  }

  String outboundCluster(int i) {
    return "outbound|" + PORT + "||" + host(i);
  }

  /** The simulated sidecar of service {@code i}: its pod {@code -a}, with its UID, no token yet. */
  ProxyIdentity proxy(int i) {
    return new ProxyIdentity(
        ns(i), name(i) + "-a", name(i), sidecarAddress(i), labels(i), sidecarPodUid[i], null);
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

  /** The IP of service {@code i}'s sidecar pod ({@code -a}). */
  static String sidecarAddress(int i) {
    return address(i, 0);
  }

  /** Slot s of service i: 198.18.(s*4 + i/250).(i%250 + 1), unique for s < 60 and i < 1,000. */
  private static String address(int i, int slot) {
    return "198.18." + ((slot % 60) * 4 + i / 250) + "." + (i % 250 + 1);
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
