package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A file-registry directory of {@code services} HTTP services spread over ten namespaces, one
 * workload each, a DestinationRule with subset v1 and a VirtualService per service. Addresses stay
 * in 198.18.0.0/15 (VIPs in 198.19.0.0/16); nothing ever sends traffic to them.
 */
final class GeneratedMesh {
  static final int PORT = 9080;
  private static final int NAMESPACES = 10;

  private final Path dir;
  private final int services;
  private int routeGeneration;
  private final int[] workloadGeneration;

  GeneratedMesh(Path dir, int services) {
    this.dir = dir;
    this.services = services;
    this.workloadGeneration = new int[services];
  }

  /** Writes every file of the registry. */
  void writeAll() {
    for (int ns = 0; ns < NAMESPACES; ns++) {
      write("services-" + namespace(ns) + ".yaml", documents(ns, this::service));
      write("workloads-" + namespace(ns) + ".yaml", documents(ns, this::workload));
      write("destinationrules-" + namespace(ns) + ".yaml", documents(ns, this::destinationRule));
      write("virtualservices-" + namespace(ns) + ".yaml", documents(ns, this::virtualService));
    }
  }

  /** Moves service {@code i}'s only endpoint to a new address; returns that address. */
  String moveEndpoint(int i) {
    workloadGeneration[i]++;
    int ns = i % NAMESPACES;
    write("workloads-" + namespace(ns) + ".yaml", documents(ns, this::workload));
    return workloadAddress(i);
  }

  /**
   * Adds a header-match route with a new marker value to every VirtualService; returns the marker.
   */
  String changeEveryRoute() {
    routeGeneration++;
    for (int ns = 0; ns < NAMESPACES; ns++) {
      write("virtualservices-" + namespace(ns) + ".yaml", documents(ns, this::virtualService));
    }
    return routeMarker();
  }

  int services() {
    return services;
  }

  String host(int i) {
    return name(i) + "." + namespace(i % NAMESPACES) + ".svc.cluster.local";
  }

  String outboundCluster(int i) {
    return "outbound|" + PORT + "||" + host(i);
  }

  /** The simulated sidecar of service {@code i}'s workload. */
  ProxyIdentity proxy(int i) {
    return new ProxyIdentity(
        namespace(i % NAMESPACES), name(i) + "-v1", name(i), workloadAddress(i), labels(i));
  }

  String routeMarker() {
    return "gen-" + routeGeneration;
  }

  /** The marker {@link #changeEveryRoute} will write next, to watch for before writing it. */
  String nextRouteMarker() {
    return "gen-" + (routeGeneration + 1);
  }

  String workloadAddress(int i) {
    return workloadAddress(i, workloadGeneration[i]);
  }

  /** The address {@link #moveEndpoint} will give workload {@code i} next. */
  String nextWorkloadAddress(int i) {
    return workloadAddress(i, workloadGeneration[i] + 1);
  }

  private static String workloadAddress(int i, int generation) {
    // Generation g of workload i lives in 198.18.(100 + 10g + i/250).x: unique, never a pod subnet.
    int third = 100 + 10 * (generation % 10) + i / 250;
    return "198.18." + third + "." + (i % 250 + 1);
  }

  private static String namespace(int ns) {
    return "bench-" + ns;
  }

  private static String name(int i) {
    return "svc-" + i;
  }

  private static Map<String, String> labels(int i) {
    return Map.of("app", name(i), "version", "v1");
  }

  private String documents(int ns, java.util.function.IntFunction<String> render) {
    List<String> docs = new ArrayList<>();
    for (int i = ns; i < services; i += NAMESPACES) {
      docs.add(render.apply(i));
    }
    return String.join("---\n", docs);
  }

  private String service(int i) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: %s}
        spec:
          clusterIP: 198.19.%d.%d
          selector: {app: %s}
          ports: [{name: http, port: %d, targetPort: %d}]
        """
        .formatted(name(i), namespace(i % NAMESPACES), i / 250, i % 250 + 1, name(i), PORT, PORT);
  }

  private String workload(int i) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s-v1, namespace: %s}
        spec:
          address: %s
          serviceAccount: %s
          labels: {app: %s, version: v1}
          ports: {http: %d}
        """
        .formatted(name(i), namespace(i % NAMESPACES), workloadAddress(i), name(i), name(i), PORT);
  }

  private String destinationRule(int i) {
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: %s, namespace: %s}
        spec:
          host: %s
          subsets: [{name: v1, labels: {version: v1}}]
        """
        .formatted(name(i), namespace(i % NAMESPACES), host(i));
  }

  private String virtualService(int i) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          http:
            - match: [{headers: {x-bench-generation: {exact: %s}}}]
              route: [{destination: {host: %s, subset: v1}}]
            - route: [{destination: {host: %s}, weight: 100}]
        """
        .formatted(name(i), namespace(i % NAMESPACES), host(i), routeMarker(), host(i), host(i));
  }

  /** Replaces a file atomically so the registry never reads half of it. */
  private void write(String file, String content) {
    try {
      Path tmp = Files.createTempFile(dir.getParent(), ".bench-", ".yaml");
      Files.writeString(tmp, content);
      Files.move(
          tmp,
          dir.resolve(file),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write registry file " + dir.resolve(file), e);
    }
  }
}
