package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every subcommand, given real bad input (files in a temp dir, a port in use), through the real
 * command tree: one {@code error:} line naming the object and the reason, exit code 1, no stack
 * trace.
 */
class BadInputTest {

  private static final String BAD_YAML = "foo: [unclosed\n";
  private static final String BAD_YAML_REASON =
      "while parsing a flow sequence (line 1, column 6): expected ',' or ']', but got <stream end> (line 2, column 1)";

  @TempDir Path tmp;

  static void assertOneLineError(CliRun run, String expected) {
    assertThat(run.err()).as("stderr").doesNotContain("\tat ");
    assertThat(run.errLines()).as("stderr").containsExactly(expected);
    assertThat(run.exitCode()).as("exit code of: %s", run.err()).isEqualTo(1);
  }

  /** A CA made by the CLI itself, the way a user makes one. */
  private Path caDir(String name) {
    Path dir = tmp.resolve(name);
    CliRun init = CliRun.of("ca", "init", "--dir", dir.toString());
    assertThat(init.exitCode()).as(init.err()).isZero();
    return dir;
  }

  @Test
  void caInit() {
    Path ca = caDir("ca");
    assertOneLineError(
        CliRun.of("ca", "init", "--dir", ca.toString()),
        "error: CA directory " + ca + " already holds a CA; remove it or choose another --dir");
    assertOneLineError(
        CliRun.of("ca", "init", "--dir", tmp.resolve("x").toString(), "--key-type", "dsa-1024"),
        "error: key type 'dsa-1024' is not supported; use one of ec-p256, rsa-2048, rsa-4096");
  }

  @Test
  void caIssue() throws IOException {
    Path none = tmp.resolve("nothing");
    assertOneLineError(
        issue(none, "spiffe://cluster.local/ns/a/sa/b"),
        "error: no CA in "
            + none
            + ": no such directory; give the control plane's --ca-dir, or run"
            + " 'outrigger ca init --dir "
            + none
            + "' first");

    Path ca = caDir("ca");
    assertOneLineError(
        issue(ca, "https://x"), "error: SPIFFE ID 'https://x': must start with spiffe://");
    assertOneLineError(
        issue(ca, "spiffe://cluster.local/ns/x"),
        "error: SPIFFE ID 'spiffe://cluster.local/ns/x':"
            + " not a workload identity, the path must be /ns/<namespace>/sa/<service-account>, not /ns/x");
    assertThat(tmp.resolve("c.pem")).doesNotExist();

    assertThat(
            CliRun.of(
                    "ca",
                    "issue",
                    "--dir",
                    ca.toString(),
                    "--spiffe",
                    "spiffe://cluster.local/ns/a/sa/b",
                    "--ttl",
                    "0s",
                    "--cert",
                    tmp.resolve("c.pem").toString(),
                    "--key",
                    tmp.resolve("k.pem").toString())
                .errLines())
        .as("a zero TTL is a usage error, not the CA's 24 h default")
        .startsWith("error: --ttl 0s: must be positive");
    assertThat(tmp.resolve("c.pem")).doesNotExist();

    Path key = ca.resolve("ca-key.pem");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-rw-r--"));
    assertOneLineError(
        issue(ca, "spiffe://cluster.local/ns/a/sa/b"),
        "error: key file "
            + key
            + " has mode rw-rw-r--: group and others must have no access (chmod 600 "
            + key
            + ")");
  }

  private CliRun issue(Path ca, String spiffe) {
    return CliRun.of(
        "ca",
        "issue",
        "--dir",
        ca.toString(),
        "--spiffe",
        spiffe,
        "--cert",
        tmp.resolve("c.pem").toString(),
        "--key",
        tmp.resolve("k.pem").toString());
  }

  @Test
  void caInspect() throws IOException {
    Path missing = tmp.resolve("missing.pem");
    assertOneLineError(
        CliRun.of("ca", "inspect", missing.toString()),
        "error: file " + missing + ": cannot read: no such file or directory");
    Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate\n");
    assertOneLineError(
        CliRun.of("ca", "inspect", junk.toString()),
        "error: " + junk + ": not PEM: no '-----BEGIN CERTIFICATE-----' line");
    Path key = caDir("inspect-ca").resolve("ca-key.pem");
    assertOneLineError(
        CliRun.of("ca", "inspect", key.toString()),
        "error: " + key + ": holds a private key (PEM 'PRIVATE KEY'), not a certificate");
  }

  @Test
  void controlPlane() throws IOException {
    Path ca = caDir("cp-ca");
    Path key = ca.resolve("ca-key.pem");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    // The CA is loaded first, so this fails before any port is bound or the registry watched.
    assertOneLineError(
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + registry(),
            "--ca-dir",
            ca.toString(),
            "--xds-port",
            "-1",
            "--xds-tls-port",
            "0",
            "--monitoring-port",
            "0",
            "--bind-address",
            "127.0.0.1"),
        "error: key file "
            + key
            + " has mode rw-r--r--: group and others must have no access (chmod 600 "
            + key
            + ")");
  }

  @Test
  void controlPlaneKubeconfig() throws IOException {
    Path junk = Files.writeString(tmp.resolve("junk.kubeconfig"), "clusters: [\n");
    CliRun run =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + registry(),
            "--ca-dir",
            caDir("kube-ca").toString(),
            "--kubeconfig",
            junk.toString(),
            "--xds-tls-port",
            "0",
            "--monitoring-port",
            "0",
            "--bind-address",
            "127.0.0.1");
    assertThat(run.errLines()).as("stderr").hasSize(1);
    assertThat(run.errLines().get(0))
        .startsWith("error: kubeconfig " + junk + ": not a usable kubeconfig: ");
    assertThat(run.exitCode()).isEqualTo(1);

    Path missing = tmp.resolve("missing.kubeconfig");
    CliRun usage =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + registry(),
            "--kubeconfig",
            missing.toString());
    assertThat(usage.errLines().get(0))
        .isEqualTo("error: --kubeconfig " + missing + ": does not exist");
    assertThat(usage.exitCode()).isEqualTo(2);
  }

  @Test
  void revision() throws IOException {
    Path junk = Files.writeString(tmp.resolve("kubeconfig"), "clusters: [unclosed\n");
    CliRun invalid = CliRun.of("revision", "list", "--kubeconfig", junk.toString());
    assertThat(invalid.errLines())
        .singleElement()
        .asString()
        .startsWith("error: kubeconfig " + junk + ": not a usable kubeconfig: ");
    assertThat(invalid.exitCode()).isEqualTo(1);
    // Nothing listens on port 9 of loopback: the API server's absence is named with the kubeconfig.
    Path nowhere =
        Files.writeString(
            tmp.resolve("nowhere"),
            """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        """);
    CliRun down =
        CliRun.of(
            "revision",
            "tag",
            "set",
            "prod",
            "--revision",
            "a",
            "--kubeconfig",
            nowhere.toString());
    assertThat(down.errLines())
        .singleElement()
        .asString()
        .startsWith("error: Kubernetes API of kubeconfig " + nowhere + ": ");
    assertThat(down.exitCode()).isEqualTo(1);
    CliRun missing = CliRun.of("revision", "list", "--kubeconfig", tmp.resolve("none").toString());
    assertThat(missing.errLines())
        .first()
        .asString()
        .isEqualTo("error: --kubeconfig " + tmp.resolve("none") + ": does not exist");
    assertThat(missing.exitCode()).isEqualTo(2);
    CliRun both =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + registry(),
            "--kubeconfig",
            junk.toString(),
            "--in-cluster");
    assertThat(both.errLines())
        .first()
        .asString()
        .isEqualTo("error: --kubeconfig and --in-cluster: give one of them");
    CliRun revision =
        CliRun.of("control-plane", "--registry", "file:" + registry(), "--revision", "Canary_1");
    assertThat(revision.errLines())
        .first()
        .asString()
        .startsWith("error: revision 'Canary_1': must be a DNS label");
    assertThat(revision.exitCode()).isEqualTo(2);
  }

  @Test
  void controlPlanePortsInUseNameTheirOption() throws IOException {
    Path ca = caDir("ports-ca");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertOneLineError(
          CliRun.of(
              "control-plane",
              "--registry",
              "file:" + registry(),
              "--ca-dir",
              ca.toString(),
              "--xds-port",
              "-1",
              "--xds-tls-port",
              Integer.toString(port),
              "--monitoring-port",
              "0",
              "--bind-address",
              "127.0.0.1"),
          "error: --xds-tls-port "
              + port
              + ": cannot listen on 127.0.0.1:"
              + port
              + ": address already in use");
      assertOneLineError(
          CliRun.of(
              "control-plane",
              "--registry",
              "file:" + registry(),
              "--ca-dir",
              ca.toString(),
              "--xds-port",
              Integer.toString(port),
              "--xds-tls-port",
              "0",
              "--monitoring-port",
              "0",
              "--bind-address",
              "127.0.0.1"),
          "error: --xds-port "
              + port
              + ": cannot listen on 127.0.0.1:"
              + port
              + ": address already in use");
      assertOneLineError(
          CliRun.of(
              "control-plane",
              "--registry",
              "file:" + registry(),
              "--ca-dir",
              ca.toString(),
              "--xds-port",
              "-1",
              "--xds-tls-port",
              "0",
              "--monitoring-port",
              Integer.toString(port),
              "--bind-address",
              "127.0.0.1",
              "--monitoring-address",
              "127.0.0.1"),
          "error: --monitoring-port "
              + port
              + ": cannot listen on 127.0.0.1:"
              + port
              + ": address already in use");
    }
  }

  @Test
  void bootstrap() throws IOException {
    Path registry = registry();
    assertOneLineError(
        CliRun.of("bootstrap", "--workload", "shop/nope", "--registry", "file:" + registry),
        "error: workload shop/nope: no WorkloadEntry shop/nope in registry file:" + registry);
    assertOneLineError(
        CliRun.of(
            "bootstrap",
            "--workload",
            "shop/web-1",
            "--registry",
            "file:" + registry,
            "--control-plane",
            "cp.example.test"),
        "error: control plane address 'cp.example.test': expected host:port");
    // What "outrigger token ... > tok" wrote before, and what echo and editors write.
    Path token = Files.writeString(tmp.resolve("tok"), "eyJ.e30.sig\n");
    assertOneLineError(
        CliRun.of(
            "bootstrap",
            "--workload",
            "shop/web-1",
            "--registry",
            "file:" + registry,
            "--token-file",
            token.toString()),
        "error: token file "
            + token
            + ": ends with a line break (\\n) at byte 11;"
            + " Envoy sends the file as is and gRPC refuses that header and every xDS stream fails with status 13 and an"
            + " empty message (write it with 'outrigger token --output FILE' or printf '%s')");
  }

  @Test
  void token() throws IOException {
    Path ca = caDir("ca");
    assertOneLineError(
        CliRun.of(
            "token",
            "--namespace",
            "Shop_1",
            "--service-account",
            "web",
            "--ca-dir",
            ca.toString()),
        "error: workload identity: namespace 'Shop_1' is not a valid Kubernetes namespace name");
    assertOneLineError(
        CliRun.of(
            "token",
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ttl",
            "0s",
            "--ca-dir",
            ca.toString()),
        "error: host-mode token for shop/web: TTL PT0S must be positive");

    // A mistyped --ca-dir: refused, and nothing is created there (it used to get a key of its own).
    Path typo = Files.createDirectory(tmp.resolve("cA"));
    assertOneLineError(
        CliRun.of(
            "token",
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ca-dir",
            typo.toString()),
        "error: no CA in "
            + typo
            + ": none of ca-cert.pem, ca-key.pem, root-cert.pem is there; give the control"
            + " plane's --ca-dir, or run 'outrigger ca init --dir "
            + typo
            + "' first");
    assertThat(typo).isEmptyDirectory();
    Path missing = tmp.resolve("no-such-ca");
    assertOneLineError(
        CliRun.of(
            "token",
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ca-dir",
            missing.toString()),
        "error: no CA in "
            + missing
            + ": no such directory; give the control plane's --ca-dir, or run"
            + " 'outrigger ca init --dir "
            + missing
            + "' first");
    assertThat(missing).doesNotExist();
  }

  @Test
  void inject() throws IOException {
    Path missing = tmp.resolve("missing.yaml");
    assertOneLineError(
        CliRun.of("inject", "-f", missing.toString()),
        "error: manifest " + missing + ": cannot read: no such file or directory");
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), BAD_YAML);
    assertOneLineError(
        CliRun.of("inject", "-f", bad.toString()),
        "error: manifest " + bad + ": not valid YAML: " + BAD_YAML_REASON);

    // SnakeYAML names this token by its bare ':' ("but got :"), which the one-line message used to
    // lose.
    Path colon = Files.writeString(tmp.resolve("colon.yaml"), "a: [1, 2\nb: 3\n");
    assertOneLineError(
        CliRun.of("inject", "-f", colon.toString()),
        "error: manifest "
            + colon
            + ": not valid YAML:"
            + " while parsing a flow sequence (line 1, column 4): expected ',' or ']', but got ':' (line 2, column 2)");

    Path pod =
        Files.writeString(
            tmp.resolve("pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                + "spec: {containers: [{name: web, image: web}]}\n");
    Path config = Files.writeString(tmp.resolve("injector.yaml"), "imagee: x\n");
    CliRun typo = CliRun.of("inject", "-f", pod.toString(), "--config", config.toString());
    assertThat(typo.errLines())
        .singleElement()
        .asString()
        .startsWith("error: injector config " + config + ": Unrecognized field \"imagee\"");
    assertThat(typo.exitCode()).isEqualTo(1);
  }

  @Test
  void webhook() throws IOException {
    Path ca = caDir("webhook-ca");
    Path missing = tmp.resolve("tls.crt");
    assertOneLineError(
        CliRun.of(
            "webhook",
            "--address",
            "127.0.0.1",
            "--port",
            "0",
            "--tls-cert",
            missing.toString(),
            "--tls-key",
            ca.resolve("ca-key.pem").toString()),
        "error: TLS certificate " + missing + ": cannot read: no such file or directory");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertOneLineError(
          CliRun.of(
              "webhook",
              "--address",
              "127.0.0.1",
              "--port",
              Integer.toString(taken.getLocalPort()),
              "--tls-cert",
              ca.resolve("ca-cert.pem").toString(),
              "--tls-key",
              ca.resolve("ca-key.pem").toString()),
          "error: --port "
              + taken.getLocalPort()
              + ": cannot listen on 127.0.0.1:"
              + taken.getLocalPort()
              + ": address already in use");
    }
  }

  @Test
  void webhookManifest() throws IOException {
    Path missing = tmp.resolve("ca.pem");
    assertOneLineError(
        CliRun.of("webhook", "manifest", "--ca-bundle", missing.toString()),
        "error: CA bundle " + missing + ": cannot read: no such file or directory");
    Path key =
        Files.writeString(
            tmp.resolve("key.pem"),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertOneLineError(
        CliRun.of("webhook", "manifest", "--ca-bundle", key.toString()),
        "error: CA bundle " + key + ": webhook manifest: --ca-bundle holds no PEM certificate");
  }

  @Test
  void cniInstallAndUninstall() {
    Path confDir = tmp.resolve("net.d");
    assertOneLineError(
        CliRun.of(
            "cni",
            "install",
            "--bin-dir",
            tmp.resolve("bin").toString(),
            "--conf-dir",
            confDir.toString(),
            "--plugin-image",
            tmp.resolve("image").toString()),
        "error: CNI conf dir " + confDir + " does not exist; install the primary CNI first");
    assertOneLineError(
        CliRun.of(
            "cni",
            "uninstall",
            "--bin-dir",
            tmp.resolve("bin").toString(),
            "--conf-dir",
            confDir.toString()),
        "error: CNI conf dir "
            + confDir
            + ": cannot list it: "
            + confDir
            + ": no such file or directory");
  }

  @Test
  void capture() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), BAD_YAML);
    assertOneLineError(
        CliRun.of("capture", "render", "--annotations", bad.toString()),
        "error: annotations file " + bad + ": not YAML or JSON: " + BAD_YAML_REASON);
    Path scalar = Files.writeString(tmp.resolve("scalar.yaml"), "just text\n");
    assertOneLineError(
        CliRun.of("capture", "render", "--annotations", scalar.toString()),
        "error: annotations file "
            + scalar
            + ": expected a map of annotations or a Pod manifest, found a single value");
    Path missing = tmp.resolve("missing.yaml");
    assertOneLineError(
        CliRun.of(
            "capture",
            "apply",
            "--netns",
            tmp.resolve("no-netns").toString(),
            "--annotations",
            missing.toString()),
        "error: annotations file " + missing + ": cannot read: no such file or directory");
  }

  /** A file registry with one Service and its WorkloadEntry. */
  private Path registry() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("registry"));
    Files.writeString(
        dir.resolve("shop.yaml"),
        """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8000}]
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: web-1, namespace: shop}
        spec: {address: 198.19.0.5, serviceAccount: web, labels: {app: web}}
        """);
    return dir;
  }
}
