package io.outrigger.bench.xdsload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The registry benchmark's mesh, written into a real API server: {@code services} Services in ten
 * namespaces, two Running and Ready pods each ({@code -a}, which is also the simulated sidecar, and
 * {@code -b}), and one EndpointSlice per Service listing both, as the EndpointSlice controller
 * would. Pod addresses are in 198.18.0.0/15; nothing sends traffic to them.
 */
final class KubeMesh {
  static final int PORT = 9080;
  private static final int NAMESPACES = 10;

  private final KubernetesClient client;
  private final int services;
  private final int[] generation;

  KubeMesh(KubernetesClient client, int services) {
    this.client = client;
    this.services = services;
    this.generation = new int[services];
  }

  /**
   * Creates every object, four writers at a time (the API server, not the writer, should be the
   * limit).
   */
  void createAll() throws Exception {
    for (int ns = 0; ns < NAMESPACES; ns++) {
      String namespace = namespace(ns);
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
            pod(i, "a", address(i, 0));
            pod(i, "b", address(i, 1));
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
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      int service = i;
      done.add(writers.submit(() -> write.accept(service)));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  private void pod(int i, String suffix, String ip) {
    Pod created =
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace(ns(i))
                    .withName(name(i) + "-" + suffix)
                    .withLabels(labels(i))
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
    client.pods().inNamespace(ns(i)).resource(created).updateStatus();
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
        .withName(name(i) + "-b")
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

  /** The address {@link #moveEndpoint} will give service {@code i}'s second endpoint. */
  String nextAddress(int i) {
    return address(i, 1 + 2 * (generation[i] + 1));
  }

  String outboundCluster(int i) {
    return "outbound|" + PORT + "||" + name(i) + "." + ns(i) + ".svc.cluster.local";
  }

  /** The simulated sidecar of service {@code i}: its pod {@code -a}. */
  ProxyIdentity proxy(int i) {
    return new ProxyIdentity(ns(i), name(i) + "-a", name(i), address(i, 0), labels(i));
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
