package io.outrigger.cni.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.json.Json;
import io.outrigger.cni.kube.Kubeconfig;
import io.outrigger.cni.plugin.OutriggerCni;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the runtime passes no annotations, the plugin GETs the pod from the API server with the
 * kubeconfig the installer flattened. There is no real API server here: a local HTTPS server on
 * loopback (certificate made by openssl) serves the Pod JSON and checks the bearer token.
 */
class ApiServerAnnotationsTest {
  private static final String TOKEN = "test-token-ohs2Iequ";
  private static final String POD =
      "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"cart\",\"namespace\":\"shop\",\"annotations\":"
          + "{\"outrigger.io/status\":\"{}\",\"sidecar.istio.io/interceptionMode\":\"NONE\"}}}";

  @TempDir Path dir;
  private HttpsServer server;

  @BeforeEach
  void startApiServer() throws Exception {
    CommandRunner openssl = new CommandRunner(Duration.ofSeconds(30));
    String subject = "/CN=kube-apiserver";
    assertThat(
            openssl
                .run(
                    List.of(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-keyout",
                        dir.resolve("key.pem").toString(),
                        "-out",
                        dir.resolve("ca.pem").toString(),
                        "-days",
                        "1",
                        "-subj",
                        subject,
                        "-addext",
                        "subjectAltName=IP:127.0.0.1"),
                    null)
                .exitCode())
        .isZero();
    assertThat(
            openssl
                .run(
                    List.of(
                        "openssl",
                        "pkcs12",
                        "-export",
                        "-inkey",
                        dir.resolve("key.pem").toString(),
                        "-in",
                        dir.resolve("ca.pem").toString(),
                        "-out",
                        dir.resolve("server.p12").toString(),
                        "-passout",
                        "pass:changeit"),
                    null)
                .exitCode())
        .isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext(
        "/",
        exchange -> {
          boolean authorised =
              ("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
          boolean known =
              exchange.getRequestURI().getPath().equals("/api/v1/namespaces/shop/pods/cart");
          boolean huge =
              exchange.getRequestURI().getPath().equals("/api/v1/namespaces/shop/pods/huge");
          known |= huge;
          String pod =
              huge
                  ? POD.replace(
                      "\"name\":\"cart\"",
                      "\"name\":\"huge\",\"x\":\"" + "a".repeat(5 << 20) + "\"")
                  : POD;
          byte[] body =
              (authorised && known ? pod : "{\"kind\":\"Status\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(!authorised ? 401 : known ? 200 : 404, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Path kubeconfig(String token) throws Exception {
    Path yaml = dir.resolve("admin.yaml");
    Files.writeString(
        yaml,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: https://127.0.0.1:%d
            certificate-authority: ca.pem
        users:
        - name: cni
          user:
            token: %s
        contexts:
        - name: local
          context: {cluster: local, user: cni}
        current-context: local
        """
            .formatted(server.getAddress().getPort(), token));
    Kubeconfig flat = KubeconfigFlattener.flatten(yaml);
    Path json = dir.resolve("outrigger-cni.kubeconfig");
    Files.writeString(json, Json.writePretty(flat.toJson()));
    return json;
  }

  private Map<String, Object> add(Path kubeconfig, String pod) {
    String conf =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"outrigger-cni\",\"kubeconfig\":\""
            + kubeconfig
            + "\",\"log_file\":\""
            + dir.resolve("cni.log")
            + "\",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":"
            + "[{\"address\":\"198.18.0.7/24\"}]}}";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // Every pod here ends in a pass-through decision, so the host netns path is never written to.
    OutriggerCni.run(
        Map.of(
            "CNI_COMMAND",
            "ADD",
            "CNI_CONTAINERID",
            "c1",
            "CNI_NETNS",
            "/proc/self/ns/net",
            "CNI_ARGS",
            "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=" + pod),
        conf,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return Json.parseObject(out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void annotationsComeFromThePodTheApiServerServes() throws Exception {
    Map<String, Object> result = add(kubeconfig(TOKEN), "cart");

    assertThat(result).doesNotContainKey("code");
    assertThat(Files.readString(dir.resolve("cni.log")))
        .contains("pod=shop/cart decision=skip(interception-mode-none)");
  }

  @Test
  void aRejectedTokenIsAPodLookupErrorNamingThePodAndStatus() throws Exception {
    Map<String, Object> result = add(kubeconfig("wrong-token"), "cart");

    assertThat(result).containsEntry("code", 103L);
    assertThat((String) result.get("msg"))
        .startsWith("pod shop/cart: GET https://127.0.0.1:")
        .endsWith("answered HTTP 401");
  }

  @Test
  void anUnknownPodIsAPodLookupError() throws Exception {
    Map<String, Object> result = add(kubeconfig(TOKEN), "ghost");

    assertThat(result).containsEntry("code", 103L);
    assertThat((String) result.get("msg")).contains("pod shop/ghost").endsWith("answered HTTP 404");
  }

  @Test
  void anAnswerLargerThanAnyPodIsRefusedBeforeItIsParsed() throws Exception {
    Map<String, Object> result = add(kubeconfig(TOKEN), "huge");

    assertThat(result).containsEntry("code", 103L);
    assertThat((String) result.get("msg"))
        .isEqualTo(
            "pod shop/huge: the API server's answer is larger than the limit of 4194304 bytes");
  }

  @Test
  void theFlattenedKubeconfigIsSelfContained() throws Exception {
    Kubeconfig k = Kubeconfig.read(kubeconfig(TOKEN));
    assertThat(k.caPem()).isEqualTo(Files.readString(dir.resolve("ca.pem")));
    assertThat(k.token()).isEqualTo(TOKEN);
    assertThat(k.server()).isEqualTo("https://127.0.0.1:" + server.getAddress().getPort());
  }
}
