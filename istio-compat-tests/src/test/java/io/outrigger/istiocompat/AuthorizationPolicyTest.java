package io.outrigger.istiocompat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.apps.EchoServer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's authorization and JWT tasks on real traffic: reviews (HTTP on 9080, and a plain TCP port
 * 9000 of a second Service, {@code tcp-echo}) behind its sidecar, called over mTLS by productpage
 * (namespace bookinfo) and by sleep (namespace other). One mesh for the class; each test writes its
 * policy into the one policy file, waits until traffic shows both its allowed and its refused side,
 * and removes it.
 */
class AuthorizationPolicyTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload SLEEP =
      new MeshWorkload(
          "sleep-v1",
          "other",
          "sleep",
          Map.of("app", "sleep", "version", "v1"),
          MeshWorkload.APP_PORT);
  private static final int TCP_PORT = 9000;
  private static final ServiceAddress TCP_ECHO =
      new ServiceAddress("tcp-echo.bookinfo.svc.cluster.local", "198.19.0.40", TCP_PORT);
  private static final String POLICY_FILE = "authorization-policy.yaml";
  private static final Duration POLICY_APPLIED = Duration.ofSeconds(10);
  private static final String RBAC_DENIED = "RBAC: access denied";
  private static final String ISSUER = "testing@outrigger.test";

  private static HostModeMesh mesh;
  private static Process tcpServer;

  @BeforeAll
  static void startMesh() {
    mesh = HostModeMesh.start(ENVOYS, List.of(), List.of(PRODUCTPAGE, REVIEWS, SLEEP), List.of());
    NetnsPod reviews = mesh.pod(REVIEWS.name()).pod();
    tcpServer = reviews.start(EchoServer.commandLine(TCP_PORT, REVIEWS.name() + "-tcp"), false);
    reviews.awaitListening(TCP_PORT, HostModeMesh.READY_TIMEOUT);
    mesh.registry()
        .write(
            "tcp-echo-service.yaml",
            """
        apiVersion: v1
        kind: Service
        metadata: {name: tcp-echo, namespace: bookinfo}
        spec:
          clusterIP: %s
          selector: {app: reviews}
          ports:
          - {name: tcp, port: %d, targetPort: %d}
        """
                .formatted(TCP_ECHO.ip(), TCP_PORT, TCP_PORT));
    await()
        .atMost(POLICY_APPLIED)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> assertThat(tcp(PRODUCTPAGE)).as("tcp-echo through both sidecars").isTrue());
  }

  @AfterAll
  static void stopMesh() {
    if (tcpServer != null) {
      tcpServer.destroy();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  /**
   * Every test starts from an open reviews, so a test's wait cannot be met by the policy before it.
   */
  @AfterEach
  void removePolicyAndCheckSidecars() {
    SidecarChecks.assertNoNackAndValid(mesh);
    mesh.registry().delete(POLICY_FILE);
    await()
        .atMost(POLICY_APPLIED)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(status(SLEEP, "POST", "/admin")).isEqualTo("200");
              assertThat(tcp(SLEEP)).isTrue();
              assertThat(tcp(PRODUCTPAGE)).isTrue();
            });
  }

  @Test
  void denyAPathLeavesTheRestOpen() {
    apply(
        """
        action: DENY
        rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
        """);
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/admin/users")).isEqualTo("403"));
    eventually(() -> assertThat(body(PRODUCTPAGE, "/admin")).contains(RBAC_DENIED));
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/reviews/1")).isEqualTo("200"));
    eventually(
        () ->
            assertThat(status(PRODUCTPAGE, "POST", "/administrator"))
                .as("prefix match")
                .isEqualTo("403"));
    eventually(
        () ->
            assertThat(status(SLEEP, "GET", "/reviews/admin"))
                .as("only the prefix")
                .isEqualTo("200"));
    eventually(
        () ->
            assertThat(
                    mesh.pod(REVIEWS.name()).sidecar().admin().stats().entrySet().stream()
                        .filter(e -> e.getKey().endsWith("rbac.denied"))
                        .mapToLong(Map.Entry::getValue)
                        .sum())
                .as("reviews' sidecar counts the denials")
                .isPositive());
  }

  @Test
  void allowGetOnlyRefusesOtherMethodsAndTheTcpPort() {
    apply(
        """
        action: ALLOW
        rules: [{to: [{operation: {methods: [GET]}}]}]
        """);
    eventually(() -> assertThat(status(PRODUCTPAGE, "POST", "/reviews/1")).isEqualTo("403"));
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/reviews/1")).isEqualTo("200"));
    eventually(() -> assertThat(status(SLEEP, "DELETE", "/reviews/1")).isEqualTo("403"));
    // An ALLOW rule with an HTTP-only field matches nothing on a TCP port, and an ALLOW policy
    // applies.
    eventually(
        () -> assertThat(tcp(PRODUCTPAGE)).as("TCP port under an HTTP-only ALLOW rule").isFalse());
  }

  @Test
  void allowOnlyOnePrincipal() {
    apply(
        """
        rules: [{from: [{source: {principals: [%s/ns/bookinfo/sa/bookinfo-productpage]}}]}]
        """
            .formatted(mesh.trustDomain()));
    eventually(() -> assertThat(status(SLEEP, "GET", "/")).isEqualTo("403"));
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/")).isEqualTo("200"));
    eventually(() -> assertThat(status(PRODUCTPAGE, "POST", "/")).isEqualTo("200"));
    eventually(() -> assertThat(tcp(PRODUCTPAGE)).as("a from-only rule holds on TCP too").isTrue());
    eventually(() -> assertThat(tcp(SLEEP)).isFalse());
  }

  @Test
  void denyATcpPortLeavesHttpOpen() {
    apply(
        """
        action: DENY
        rules: [{to: [{operation: {ports: ["%d"]}}]}]
        """
            .formatted(TCP_PORT));
    eventually(() -> assertThat(tcp(PRODUCTPAGE)).isFalse());
    eventually(() -> assertThat(tcp(SLEEP)).isFalse());
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/reviews/1")).isEqualTo("200"));
  }

  @Test
  void allowOneNamespaceOnTcp() {
    apply(
        """
        rules: [{from: [{source: {namespaces: [bookinfo]}}]}]
        """);
    eventually(() -> assertThat(tcp(SLEEP)).isFalse());
    eventually(() -> assertThat(tcp(PRODUCTPAGE)).isTrue());
    eventually(() -> assertThat(status(PRODUCTPAGE, "GET", "/")).isEqualTo("200"));
    eventually(() -> assertThat(status(SLEEP, "GET", "/")).isEqualTo("403"));
  }

  @Test
  void requestAuthenticationRefusesAnInvalidTokenAndThePolicyRequiresAValidOne() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair key = generator.generateKeyPair();
    KeyPair otherKey = generator.generateKeyPair();
    String jwks = jwks((RSAPublicKey) key.getPublic());
    writeAliceOnly("jwks: '" + jwks + "'");
    assertOnlyAlicesValidTokenPasses(key, otherKey);
    eventually(
        () -> assertThat(status(SLEEP, "GET", "/", bearer(jwt(key, "alice")))).isEqualTo("200"));
    eventually(
        () -> assertThat(status(PRODUCTPAGE, "GET", "/", bearer("not-a-jwt"))).isEqualTo("401"));
    eventually(
        () ->
            assertThat(status(PRODUCTPAGE, "GET", "/", bearer(jwt(key, "bob"))))
                .as("valid, but not the principal the policy names")
                .isEqualTo("403"));
  }

  /**
   * The same task with the key set fetched by reviews' sidecar from a JWKS server (jwksUri) on the
   * pod network's host side, through the cluster the control plane adds for it.
   */
  @Test
  void requestAuthenticationFetchesTheKeySetFromJwksUri() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair key = generator.generateKeyPair();
    KeyPair otherKey = generator.generateKeyPair();
    AtomicInteger fetches = new AtomicInteger();
    HttpServer jwksServer =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName(mesh.gateway()), 0), 16);
    byte[] jwks = jwks((RSAPublicKey) key.getPublic()).getBytes(UTF_8);
    jwksServer.createContext(
        "/keys/jwks.json",
        exchange -> {
          fetches.incrementAndGet();
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    jwksServer.start();
    try {
      writeAliceOnly(
          "jwksUri: 'http://%s:%d/keys/jwks.json'"
              .formatted(mesh.gateway(), jwksServer.getAddress().getPort()));
      assertOnlyAlicesValidTokenPasses(key, otherKey);
      assertThat(fetches.get()).as("key set fetches by reviews' sidecar").isPositive();
      assertThat(
              mesh.pod(REVIEWS.name())
                  .sidecar()
                  .admin()
                  .stats()
                  .getOrDefault(
                      "cluster.outbound|"
                          + jwksServer.getAddress().getPort()
                          + "||"
                          + mesh.gateway()
                          + ".upstream_rq_200",
                      0L))
          .as("200s the sidecar got from the JWKS server")
          .isPositive();
    } finally {
      mesh.registry().delete(POLICY_FILE);
      jwksServer.stop(0);
    }
  }

  /**
   * A RequestAuthentication of {@link #ISSUER} with this key set field, and a policy that lets only
   * alice in.
   */
  private static void writeAliceOnly(String keySet) {
    write(
        """
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: reviews-jwt, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: reviews}}
          jwtRules: [{issuer: %s, %s}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: reviews-policy, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: reviews}}
          rules: [{from: [{source: {requestPrincipals: [%s/alice]}}]}]
        """
            .formatted(ISSUER, keySet, ISSUER));
  }

  private static void assertOnlyAlicesValidTokenPasses(KeyPair key, KeyPair otherKey) {
    eventually(
        () ->
            assertThat(status(PRODUCTPAGE, "GET", "/", Map.of())).as("no token").isEqualTo("403"));
    eventually(
        () ->
            assertThat(status(PRODUCTPAGE, "GET", "/", bearer(jwt(key, "alice"))))
                .as("alice's valid token")
                .isEqualTo("200"));
    eventually(
        () ->
            assertThat(status(PRODUCTPAGE, "GET", "/", bearer(jwt(otherKey, "alice"))))
                .as("signed by a key not in the set")
                .isEqualTo("401"));
  }

  private static String jwks(RSAPublicKey pub) {
    return "{\"keys\": [{\"kty\": \"RSA\", \"alg\": \"RS256\", \"kid\": \"e2e\", \"n\": \""
        + base64Url(unsigned(pub.getModulus()))
        + "\", \"e\": \""
        + base64Url(unsigned(pub.getPublicExponent()))
        + "\"}]}";
  }

  /** An RS256 token of {@link #ISSUER} for {@code subject}, valid for an hour. */
  private static String jwt(KeyPair key, String subject) throws Exception {
    String header =
        base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"e2e\"}".getBytes(UTF_8));
    long now = System.currentTimeMillis() / 1000;
    String payload =
        base64Url(
            "{\"iss\":\"%s\",\"sub\":\"%s\",\"iat\":%d,\"exp\":%d}"
                .formatted(ISSUER, subject, now, now + 3600)
                .getBytes(UTF_8));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key.getPrivate());
    rs256.update((header + "." + payload).getBytes(UTF_8));
    return header + "." + payload + "." + base64Url(rs256.sign());
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * A pooled connection between two sidecars serves its next request on the chain it was opened on
   * and only then closes (the sidecars' immediate drain), so each caller sees a new policy from its
   * second request on: every check waits for it.
   */
  private static void eventually(org.awaitility.core.ThrowingRunnable check) {
    await().atMost(POLICY_APPLIED).pollInterval(Duration.ofMillis(200)).untilAsserted(check);
  }

  /** The policy, selecting reviews, as the one file of the registry holding a policy. */
  private static void apply(String spec) {
    write(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: reviews-policy, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: reviews}}
        """
            + spec.indent(2));
  }

  private static void write(String yaml) {
    mesh.registry().write(POLICY_FILE, yaml);
  }

  /** The HTTP status of one request to reviews, "000" when no answer came. */
  private static String status(MeshWorkload from, String method, String path) {
    return status(from, method, path, Map.of());
  }

  private static String status(
      MeshWorkload from, String method, String path, Map<String, String> headers) {
    return curl(from, ServiceAddress.REVIEWS, method, path, headers, "%{http_code}", "/dev/null")
        .stdout()
        .trim();
  }

  private static String body(MeshWorkload from, String path) {
    return curl(from, ServiceAddress.REVIEWS, "GET", path, Map.of(), "", "-").stdout();
  }

  /**
   * True when a request over the TCP port got its echo back (the app's reply through both
   * sidecars).
   */
  private static boolean tcp(MeshWorkload from) {
    ExecResult r = curl(from, TCP_ECHO, "GET", "/", Map.of(), "", "-");
    return r.exitCode() == 0 && r.stdout().contains(REVIEWS.name() + "-tcp");
  }

  private static ExecResult curl(
      MeshWorkload from,
      ServiceAddress to,
      String method,
      String path,
      Map<String, String> headers,
      String format,
      String output) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "5",
                "-X",
                method,
                "-o",
                output,
                "--resolve",
                to.host() + ":" + to.port() + ":" + to.ip()));
    headers.forEach((k, v) -> c.addAll(List.of("-H", k + ": " + v)));
    if (!format.isEmpty()) {
      c.addAll(List.of("-w", format));
    }
    c.add("http://" + to.host() + ":" + to.port() + path);
    return mesh.pod(from.name()).pod().exec(c.toArray(String[]::new));
  }
}
