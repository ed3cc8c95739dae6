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
 *
 * <p>With {@code policies}, as a real mesh carries them (issue 12): one service in ten (services
 * 0–9 of every hundred, so every namespace has some) gets retries and a timeout on both its routes,
 * connectionPool and outlierDetection in its DestinationRule, and an AuthorizationPolicy (ALLOW
 * from one principal, or GET on two paths); the five namespaces {@code bench-0}..{@code bench-4},
 * half the proxies, get a namespace-wide Sidecar whose egress is their own namespace and the shared
 * one, {@code bench-9} (the part an istio-system plays in a real mesh).
 */
final class GeneratedMesh {
  static final int PORT = 9080;
  private static final int NAMESPACES = 10;

  /** The namespace every team's Sidecar lets its proxies reach, besides their own. */
  static final int SHARED_NAMESPACE = NAMESPACES - 1;

  private static final int SCOPED_NAMESPACES = NAMESPACES / 2;

  private final Path dir;
  private final int services;
  private final boolean policies;
  private int routeGeneration;
  private final int[] workloadGeneration;

  GeneratedMesh(Path dir, int services) {
    this(dir, services, false);
  }

  GeneratedMesh(Path dir, int services, boolean policies) {
    if (policies && services < NAMESPACES) {
      throw new IllegalArgumentException(
          "xds-load: --policies needs at least " + NAMESPACES + " services (one per namespace)");
    }
    this.dir = dir;
    this.services = services;
    this.policies = policies;
    this.workloadGeneration = new int[services];
  }

  /** Writes every file of the registry. */
  void writeAll() {
    for (int ns = 0; ns < NAMESPACES; ns++) {
      write("services-" + namespace(ns) + ".yaml", documents(ns, this::service));
      write("workloads-" + namespace(ns) + ".yaml", documents(ns, this::workload));
      write("destinationrules-" + namespace(ns) + ".yaml", documents(ns, this::destinationRule));
      write("virtualservices-" + namespace(ns) + ".yaml", documents(ns, this::virtualService));
      if (policies) {
        write("authorizationpolicies-" + namespace(ns) + ".yaml", documents(ns, this::authz));
        if (ns < SCOPED_NAMESPACES) {
          write("sidecar-" + namespace(ns) + ".yaml", sidecar(ns));
        }
      }
    }
  }

  /** Whether service {@code i} carries retries, outlier detection and an AuthorizationPolicy. */
  boolean hasPolicies(int i) {
    return policies && (i / NAMESPACES) % 10 == 0;
  }

  /** Whether proxy {@code i}'s namespace has a Sidecar limiting what it sees. */
  boolean scoped(int i) {
    return policies && i % NAMESPACES < SCOPED_NAMESPACES;
  }

  /** The services proxy {@code i} has routes for: all, or its namespace's and the shared one's. */
  int visibleServices(int i) {
    if (!scoped(i)) {
      return services;
    }
    return (int)
        java.util.stream.IntStream.range(0, services)
            .filter(s -> s % NAMESPACES == i % NAMESPACES || s % NAMESPACES == SHARED_NAMESPACE)
            .count();
  }

  /**
   * A service of the shared namespace near {@code i}: every proxy, scoped or not, has its cluster,
   * so a change to it is measured on the whole fleet in both meshes.
   */
  int sharedService(int i) {
    int s = i - i % NAMESPACES + SHARED_NAMESPACE;
    while (s >= services) {
      s -= NAMESPACES;
    }
    return s;
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

  static String namespace(int ns) {
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
      String doc = render.apply(i);
      if (!doc.isEmpty()) {
        docs.add(doc);
      }
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
    String trafficPolicy =
        hasPolicies(i)
            ? """
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: 100, connectTimeout: 2s}
                  http: {http1MaxPendingRequests: 64, maxRequestsPerConnection: 10}
                outlierDetection:
                  consecutive5xxErrors: 5
                  interval: 10s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 50
            """
            : "";
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: %s, namespace: %s}
        spec:
          host: %s
        %s  subsets: [{name: v1, labels: {version: v1}}]
        """
        .formatted(name(i), namespace(i % NAMESPACES), host(i), trafficPolicy);
  }

  /** Empty for a service without policies: {@link #documents} then leaves it out. */
  private String authz(int i) {
    if (!hasPolicies(i)) {
      return "";
    }
    int caller = (i + 1) % services;
    return """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          selector: {matchLabels: {app: %s}}
          action: ALLOW
          rules:
            - from: [{source: {principals: [cluster.local/ns/%s/sa/%s]}}]
            - to: [{operation: {methods: [GET], paths: [/healthz, /api/*]}}]
        """
        .formatted(
            name(i),
            namespace(i % NAMESPACES),
            name(i),
            namespace(caller % NAMESPACES),
            name(caller));
  }

  private static String sidecar(int ns) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: %s}
        spec:
          egress:
            - hosts: ["./*", "%s/*"]
        """
        .formatted(namespace(ns), namespace(SHARED_NAMESPACE));
  }

  private String virtualService(int i) {
    String resilience =
        hasPolicies(i)
            ? "\n      timeout: 5s"
                + "\n      retries: {attempts: 3, perTryTimeout: 1s, retryOn: \"5xx,connect-failure\"}"
            : "";
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          http:
            - match: [{headers: {x-bench-generation: {exact: %s}}}]
              route: [{destination: {host: %s, subset: v1}}]%s
            - route: [{destination: {host: %s}, weight: 100}]%s
        """
        .formatted(
            name(i),
            namespace(i % NAMESPACES),
            host(i),
            routeMarker(),
            host(i),
            resilience,
            host(i),
            resilience);
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
