package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.apps.EchoServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * VirtualService {@code tcp} and {@code tls} routes on real connections from productpage's pod
 * through both sidecars to two versions of a backend: Istio's "TCP traffic shifting" task (a
 * weighted split, counted per connection) and TLS passthrough routed by the client's SNI (each
 * backend terminates TLS with its own certificate, which tells the client who answered).
 */
class L4RoutingTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload V1 = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload V2 = Bookinfo.REVIEWS_V2;
  private static final int TCP_PORT = 9000;
  private static final int TLS_PORT = 9443;
  private static final String VIP = "198.19.0.41";
  private static final String HOST = "reviews-l4.bookinfo.svc.cluster.local";
  private static final Duration APPLIED = Duration.ofSeconds(15);
  private static final Pattern SUBJECT = Pattern.compile("subject=.*CN\\s*=\\s*([\\w-]+)");

  @TempDir static Path certs;
  private static HostModeMesh mesh;
  private static final List<Process> servers = new ArrayList<>();

  @BeforeAll
  static void startMesh() throws Exception {
    mesh = HostModeMesh.start(ENVOYS, List.of(), List.of(PRODUCTPAGE, V1, V2), List.of());
    for (MeshWorkload w : List.of(V1, V2)) {
      NetnsPod pod = mesh.pod(w.name()).pod();
      servers.add(pod.start(EchoServer.commandLine(TCP_PORT, w.name() + "-tcp"), false));
      Path key = certs.resolve(w.name() + ".key");
      Path cert = certs.resolve(w.name() + ".crt");
      run(
          "openssl",
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=" + w.name(),
          "-keyout",
          key.toString(),
          "-out",
          cert.toString());
      servers.add(
          pod.start(
              List.of(
                  "openssl",
                  "s_server",
                  "-quiet",
                  "-accept",
                  Integer.toString(TLS_PORT),
                  "-cert",
                  cert.toString(),
                  "-key",
                  key.toString()),
              false));
      pod.awaitListening(TCP_PORT, HostModeMesh.READY_TIMEOUT);
      pod.awaitListening(TLS_PORT, HostModeMesh.READY_TIMEOUT);
    }
    mesh.registry()
        .write(
            "reviews-l4.yaml",
            """
        apiVersion: v1
        kind: Service
        metadata: {name: reviews-l4, namespace: bookinfo}
        spec:
          clusterIP: %s
          selector: {app: reviews}
          ports:
          - {name: tcp-echo, port: %d, targetPort: %d}
          - {name: tls, port: %d, targetPort: %d}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews-l4, namespace: bookinfo}
        spec:
          host: reviews-l4
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        """
                .formatted(VIP, TCP_PORT, TCP_PORT, TLS_PORT, TLS_PORT));
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

  /** Istio's TCP traffic shifting task: 80 % of connections to v1, 20 % to v2. */
  @Test
  void tcpRouteSplitsConnectionsByWeight() {
    applyVirtualService(
        """
        tcp:
        - match: [{port: %d}]
          route:
          - destination: {host: reviews-l4, subset: v1, port: {number: %d}}
            weight: 80
          - destination: {host: reviews-l4, subset: v2, port: {number: %d}}
            weight: 20
        """
            .formatted(TCP_PORT, TCP_PORT, TCP_PORT),
        "\"weight\":80");

    Map<String, Integer> served = tcpConnections(200);

    assertThat(served.values().stream().mapToInt(Integer::intValue).sum())
        .as("connections answered")
        .isEqualTo(200);
    // 200 draws at p = 0.8: 160 ± 4.5 sigma is 135..185.
    assertThat(served.getOrDefault(V1.name() + "-tcp", 0))
        .as("v1 of %s", served)
        .isBetween(135, 185);
    assertThat(served.getOrDefault(V2.name() + "-tcp", 0)).as("v2 of %s", served).isBetween(15, 65);
  }

  @Test
  void tcpRouteToOneSubsetSendsEveryConnectionThere() {
    applyVirtualService(
        """
        tcp:
        - route:
          - destination: {host: reviews-l4, subset: v2, port: {number: %d}}
        """
            .formatted(TCP_PORT),
        "\"cluster\":\"outbound|" + TCP_PORT + "|v2|" + HOST + "\"");

    assertThat(tcpConnections(20)).isEqualTo(Map.of(V2.name() + "-tcp", 20));
  }

  /** Each SNI goes to its subset; the TLS session is the backend's own (passthrough). */
  @Test
  void tlsRouteChoosesTheBackendByServerName() {
    applyVirtualService(
        """
        tls:
        - match: [{port: %d, sniHosts: [v1.reviews.example]}]
          route:
          - destination: {host: reviews-l4, subset: v1, port: {number: %d}}
        - match: [{port: %d, sniHosts: ["*.v2.reviews.example"]}]
          route:
          - destination: {host: reviews-l4, subset: v2, port: {number: %d}}
        """
            .formatted(TLS_PORT, TLS_PORT, TLS_PORT, TLS_PORT),
        "\"server_names\":[\"v1.reviews.example\"]");

    for (int i = 0; i < 5; i++) {
      assertThat(tlsPeer("v1.reviews.example")).isEqualTo(V1.name());
      assertThat(tlsPeer("api.v2.reviews.example")).isEqualTo(V2.name());
    }
  }

  private static void applyVirtualService(String routes, String inListenerDump) {
    mesh.registry()
        .write(
            "reviews-l4-virtualservice.yaml",
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews-l4, namespace: bookinfo}
        spec:
          hosts: [reviews-l4]
        """
                + routes.indent(2));
    mesh.pod(PRODUCTPAGE.name()).awaitInConfigDump("dynamic_listeners", inListenerDump, APPLIED);
    assertThat(mesh.controlPlane().syncz().configErrors()).as("config errors").isEmpty();
  }

  private static Map<String, Integer> tcpConnections(int count) {
    return PodHttp.echoNamesPerConnection(mesh.pod(PRODUCTPAGE.name()).pod(), VIP, TCP_PORT, count);
  }

  /** The CN of the certificate the server presented to a client sending {@code sni}. */
  private static String tlsPeer(String sni) {
    ExecResult r =
        fromProductpage(
            "openssl s_client -connect "
                + VIP
                + ":"
                + TLS_PORT
                + " -servername "
                + sni
                + " </dev/null 2>/dev/null",
            Duration.ofSeconds(15));
    Matcher m = SUBJECT.matcher(r.stdout());
    assertThat(m.find()).as("a server certificate for %s in: %s", sni, r.stdout()).isTrue();
    return m.group(1);
  }

  /** A shell script run in productpage's pod, as its app would: through its sidecar. */
  private static ExecResult fromProductpage(String script, Duration timeout) {
    return mesh.pod(PRODUCTPAGE.name()).pod().exec(List.of("sh", "-c", script), false, timeout);
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }
}
