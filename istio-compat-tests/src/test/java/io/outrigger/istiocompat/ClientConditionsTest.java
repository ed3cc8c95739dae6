package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.apps.EchoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * VirtualService match conditions on the client, through real sidecars: two client workloads with
 * different labels (productpage and details) call the same reviews service and, per a {@code
 * sourceLabels} match, reach different versions; a match bound to a gateway only does not apply to
 * sidecars while one bound to {@code mesh} does; {@code withoutHeaders}; and a {@code tcp} route
 * with {@code sourceLabels} on real connections.
 */
class ClientConditionsTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload DETAILS = MeshWorkload.bookinfo("details", "v1");
  private static final MeshWorkload V1 = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload V2 = Bookinfo.REVIEWS_V2;
  private static final int REQUESTS = 50;
  private static final int TCP_PORT = 9000;
  private static final String TCP_VIP = "198.19.0.42";
  private static final Duration APPLIED = Duration.ofSeconds(15);

  private static HostModeMesh mesh;
  private static final List<Process> servers = new ArrayList<>();

  @BeforeAll
  static void startMesh() {
    mesh =
        HostModeMesh.start(
            ENVOYS,
            List.of("istio/reviews-destinationrule.yaml"),
            List.of(PRODUCTPAGE, DETAILS, V1, V2),
            List.of());
    for (MeshWorkload w : List.of(V1, V2)) {
      NetnsPod pod = mesh.pod(w.name()).pod();
      servers.add(pod.start(EchoServer.commandLine(TCP_PORT, w.name() + "-tcp"), false));
      pod.awaitListening(TCP_PORT, HostModeMesh.READY_TIMEOUT);
    }
    mesh.registry()
        .write(
            "reviews-tcp.yaml",
            """
        apiVersion: v1
        kind: Service
        metadata: {name: reviews-tcp, namespace: bookinfo}
        spec:
          clusterIP: %s
          selector: {app: reviews}
          ports:
          - {name: tcp-echo, port: %d, targetPort: %d}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews-tcp, namespace: bookinfo}
        spec:
          host: reviews-tcp
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        """
                .formatted(TCP_VIP, TCP_PORT, TCP_PORT));
  }

  @AfterAll
  static void stopMesh() {
    servers.forEach(Process::destroy);
    if (mesh != null) {
      mesh.close();
    }
  }

  @AfterEach
  void sidecarsAcceptedEverything() {
    SidecarChecks.assertNoNackAndValid(mesh);
  }

  @Test
  void aSourceLabelsMatchSendsEachClientWhereItsLabelsSay() {
    applyReviews(
        """
        http:
        - name: productpage-to-v2
          match: [{sourceLabels: {app: productpage}}]
          route: [{destination: {host: reviews, subset: v2}}]
        - name: others-to-v1
          route: [{destination: {host: reviews, subset: v1}}]
        """,
        "others-to-v1");

    assertThat(served(PRODUCTPAGE, Map.of())).isEqualTo(Map.of(V2.name(), (long) REQUESTS));
    assertThat(served(DETAILS, Map.of())).isEqualTo(Map.of(V1.name(), (long) REQUESTS));
  }

  @Test
  void aMatchBoundToAGatewayOnlyDoesNotApplyToSidecarsAndOneBoundToMeshDoes() {
    applyReviews(
        """
        gateways: [mesh, bookinfo/bookinfo-gateway]
        http:
        - name: gateway-only
          match: [{gateways: [bookinfo/bookinfo-gateway]}]
          route: [{destination: {host: reviews, subset: v2}}]
        - name: mesh-canary
          match: [{gateways: [mesh], headers: {x-canary: {exact: "1"}}}]
          route: [{destination: {host: reviews, subset: v2}}]
        - name: default-v1
          route: [{destination: {host: reviews, subset: v1}}]
        """,
        "default-v1");

    assertThat(served(PRODUCTPAGE, Map.of())).isEqualTo(Map.of(V1.name(), (long) REQUESTS));
    assertThat(served(DETAILS, Map.of())).isEqualTo(Map.of(V1.name(), (long) REQUESTS));
    assertThat(served(PRODUCTPAGE, Map.of("x-canary", "1")))
        .isEqualTo(Map.of(V2.name(), (long) REQUESTS));
  }

  @Test
  void withoutHeadersMatchesRequestsThatLackTheHeaderValue() {
    applyReviews(
        """
        http:
        - name: not-jason-to-v2
          match: [{withoutHeaders: {end-user: {exact: jason}}}]
          route: [{destination: {host: reviews, subset: v2}}]
        - name: jason-to-v1
          route: [{destination: {host: reviews, subset: v1}}]
        """,
        "jason-to-v1");

    assertThat(served(PRODUCTPAGE, Map.of())).isEqualTo(Map.of(V2.name(), (long) REQUESTS));
    assertThat(served(PRODUCTPAGE, Map.of("end-user", "alice")))
        .isEqualTo(Map.of(V2.name(), (long) REQUESTS));
    assertThat(served(PRODUCTPAGE, Map.of("end-user", "jason")))
        .isEqualTo(Map.of(V1.name(), (long) REQUESTS));
  }

  @Test
  void aTcpRouteWithSourceLabelsAppliesToItsClientsOnly() {
    mesh.registry()
        .write(
            "reviews-tcp-virtualservice.yaml",
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews-tcp, namespace: bookinfo}
            spec:
              hosts: [reviews-tcp]
              tcp:
              - match: [{sourceLabels: {app: productpage}}]
                route: [{destination: {host: reviews-tcp, subset: v2, port: {number: %d}}}]
              - route: [{destination: {host: reviews-tcp, subset: v1, port: {number: %d}}}]
            """
                .formatted(TCP_PORT, TCP_PORT));
    String v1Cluster = "\"cluster\":\"outbound|" + TCP_PORT + "|v1|reviews-tcp.bookinfo.svc";
    String v2Cluster = "\"cluster\":\"outbound|" + TCP_PORT + "|v2|reviews-tcp.bookinfo.svc";
    awaitInDump(PRODUCTPAGE, "dynamic_listeners", v2Cluster);
    awaitInDump(DETAILS, "dynamic_listeners", v1Cluster);

    assertThat(tcpConnections(PRODUCTPAGE, 20)).isEqualTo(Map.of(V2.name() + "-tcp", 20));
    assertThat(tcpConnections(DETAILS, 20)).isEqualTo(Map.of(V1.name() + "-tcp", 20));
  }

  /** Writes VirtualService bookinfo/reviews and waits until both clients hold its last route. */
  private static void applyReviews(String spec, String lastRouteName) {
    mesh.registry()
        .write(
            Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE,
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: bookinfo}
            spec:
              hosts: [reviews]
            """
                + spec.indent(2));
    for (MeshWorkload client : List.of(PRODUCTPAGE, DETAILS)) {
      awaitInDump(client, "dynamic_route_configs", "\"name\":\"" + lastRouteName + "\"");
    }
    assertThat(mesh.controlPlane().syncz().configErrors()).as("config errors").isEmpty();
  }

  private static void awaitInDump(MeshWorkload client, String resource, String text) {
    mesh.pod(client.name()).awaitInConfigDump(resource, text, APPLIED);
  }

  /** {@link #REQUESTS} requests from {@code client}'s pod to reviews, by the version answering. */
  private static Map<String, Long> served(MeshWorkload client, Map<String, String> headers) {
    return PodHttp.echoMany(
            mesh.pod(client.name()).pod(), ServiceAddress.REVIEWS, headers, REQUESTS)
        .stream()
        .collect(Collectors.groupingBy(EchoReply::name, Collectors.counting()));
  }

  private static Map<String, Integer> tcpConnections(MeshWorkload client, int count) {
    return PodHttp.echoNamesPerConnection(mesh.pod(client.name()).pod(), TCP_VIP, TCP_PORT, count);
  }
}
