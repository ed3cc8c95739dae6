package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateResponse;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.NetnsCommand;
import io.outrigger.testsupport.EnvoyExtension;
import io.outrigger.testsupport.NetnsPod;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Identity attacks from inside the pod network against a real host-mode mesh (STRICT; productpage
 * and reviews with sidecars, an outsider without one; the control plane also opens its loopback
 * plaintext xDS port, as host mode may). Each attempt must get nothing, and each has a control
 * showing the same path works for the legitimate party, so a refusal is the mesh's decision and not
 * a broken harness. docs/reliability.md ("Identity attacks") lists these with the attacks other
 * classes already cover.
 */
class IdentityAttackTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;
  private static final int ADMIN_PORT = 15000;
  private static final int APP_UID = 1000;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static HostModeMesh mesh;
  private static Path certs;

  @BeforeAll
  static void startMesh() throws Exception {
    mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.withControlPlaneSettings(
                s -> s.withPorts(0, s.xdsTlsPort(), s.monitoringPort())),
            List.of("istio/peerauthentication-strict.yaml"),
            List.of(PRODUCTPAGE, REVIEWS),
            List.of("outsider"));
    certs = Files.createTempDirectory("outrigger-identity-attack-");
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
    if (certs != null) {
      Commands.run(List.of("rm", "-rf", certs.toString()));
    }
  }

  @Test
  void aClientCertificateFromAnotherTrustDomainGetsNoAnswerWhileTheMeshsOwnDoes() throws Exception {
    Path foreignRoot = foreignCa();
    String ourId = PRODUCTPAGE.spiffeId(mesh.trustDomain());
    String foreignId =
        ourId.replace("spiffe://" + mesh.trustDomain() + "/", "spiffe://other.example/");
    Path genuine = meshIssued("genuine", ourId);
    Path foreign = foreignIssued("foreign", foreignId, foreignRoot);
    Path foreignClaimingOurs = foreignIssued("foreign-ours", ourId, foreignRoot);

    assertThat(tlsRequestToReviews(genuine).stdout())
        .as("control: the mesh CA's certificate for %s", ourId)
        .contains(REVIEWS.name());
    for (Path attempt : List.of(foreign, foreignClaimingOurs)) {
      ExecResult refused = tlsRequestToReviews(attempt);
      assertThat(refused.stdout())
          .as("reviews under STRICT, client certificate %s: %s", attempt, refused)
          .doesNotContain(REVIEWS.name());
    }
  }

  @Test
  void thePlaintextXdsPortCannotBeReachedFromAPod() {
    int plaintext = mesh.controlPlane().xdsPlaintextPort();
    assertThat(plaintext).as("plaintext xDS port of this control plane").isPositive();
    NetnsPod outsider = mesh.plainPod("outsider");
    ExecResult fromPod =
        outsider.exec(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--http2-prior-knowledge",
                "http://" + mesh.gateway() + ":" + plaintext + "/"),
            false,
            WAIT);
    assertThat(fromPod.exitCode())
        .as("plaintext xDS from %s: %s", outsider.ip(), fromPod)
        .isNotZero();
    assertThat(fromPod.stderr()).contains("onnect");
    // The TLS port is reachable from the pod, but not without TLS.
    ExecResult plaintextToTls =
        outsider.exec(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://"
                    + mesh.gateway()
                    + ":"
                    + mesh.controlPlane().xdsTlsPort()
                    + "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"),
            false,
            WAIT);
    assertThat(plaintextToTls.stdout())
        .as("plaintext h2 to the TLS port: %s", plaintextToTls)
        .isIn("000", "");
    ExecResult fromHost =
        Commands.run(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://127.0.0.1:" + plaintext + "/"),
            Map.of(),
            null,
            WAIT);
    assertThat(fromHost.stdout())
        .as("control: the port answers on loopback: %s", fromHost)
        .isNotIn("000", "");
  }

  @Test
  void anEnvoyAdminPortCannotBeReachedFromAnotherPod() {
    MeshedPod reviews = mesh.pod(REVIEWS.name());
    String adminPath = "/server_info";
    ExecResult own =
        reviews
            .pod()
            .exec(
                List.of(
                    "curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + ADMIN_PORT + adminPath),
                false,
                WAIT);
    assertThat(own.stdout()).as("control: reviews' own admin on 127.0.0.1").contains("\"state\"");
    for (NetnsPod from : List.of(mesh.plainPod("outsider"), mesh.pod(PRODUCTPAGE.name()).pod())) {
      ExecResult other =
          from.exec(
              List.of(
                  "curl",
                  "-sS",
                  "--max-time",
                  "5",
                  "http://" + reviews.ip() + ":" + ADMIN_PORT + adminPath),
              false,
              WAIT);
      assertThat(other.stdout())
          .as("reviews' admin port from %s: %s", from.name(), other)
          .doesNotContain("\"state\"")
          .doesNotContain("command_line_options");
    }
  }

  @Test
  void theAppUserCannotBecomeTheProxyUser() {
    NetnsPod productpage = mesh.pod(PRODUCTPAGE.name()).pod();
    ExecResult spoof =
        Commands.run(
            NetnsCommand.wrap(
                productpage.netnsName(),
                APP_UID,
                List.of("setpriv", "--reuid=1337", "--regid=1337", "--clear-groups", "id", "-u")),
            Map.of(),
            null,
            WAIT);
    assertThat(spoof.exitCode()).as("uid %d switching to 1337: %s", APP_UID, spoof).isNotZero();
    assertThat(spoof.stdout()).doesNotContain("1337");
    assertThat(spoof.stderr()).containsIgnoringCase("not permitted");
    ExecResult su =
        Commands.run(
            NetnsCommand.wrap(
                productpage.netnsName(),
                APP_UID,
                List.of("sh", "-c", "echo | su -s /bin/sh -c 'id -u' '#1337' || echo refused")),
            Map.of(),
            null,
            WAIT);
    assertThat(su.stdout()).as("su to 1337 as uid %d: %s", APP_UID, su).doesNotContain("1337");
  }

  @Test
  void trafficThatBypassesTheSidecarGetsNothingFromAStrictWorkload() {
    MeshedPod productpage = mesh.pod(PRODUCTPAGE.name());
    ServiceAddress direct =
        new ServiceAddress("reviews-v1", mesh.pod(REVIEWS.name()).ip(), REVIEWS.port());
    ServiceAddress service = ServiceAddress.REVIEWS;
    ExecResult captured =
        Commands.run(
            NetnsCommand.wrap(
                productpage.pod().netnsName(),
                APP_UID,
                List.of(
                    "curl",
                    "-sS",
                    "--max-time",
                    "5",
                    "http://" + service.ip() + ":" + service.port() + "/")),
            Map.of(),
            null,
            WAIT);
    assertThat(captured.stdout())
        .as(
            "control: the app user's request to the service goes through the sidecar "
                + "(mTLS): %s",
            captured)
        .contains(REVIEWS.name());
    // UID 1337 is what the capture rules let out untouched: only root in the pod can send as it.
    for (int i = 0; i < 3; i++) {
      ExecResult bypass =
          productpage
              .pod()
              .exec(
                  List.of(
                      "curl",
                      "-sS",
                      "--max-time",
                      "5",
                      "http://" + direct.ip() + ":" + direct.port() + "/"),
                  true,
                  WAIT);
      assertThat(bypass.stdout())
          .as("request as 1337, not captured, to reviews under STRICT: %s", bypass)
          .doesNotContain(REVIEWS.name());
    }
  }

  /**
   * An HTTP/1.1 request over TLS from the outsider to reviews' pod IP, with this client
   * certificate.
   */
  private static ExecResult tlsRequestToReviews(Path cert) {
    String request =
        "printf 'GET / HTTP/1.1\\r\\nHost: reviews\\r\\nConnection: close\\r\\n\\r\\n' | timeout 10 "
            + "openssl s_client -quiet -connect "
            + mesh.pod(REVIEWS.name()).ip()
            + ":"
            + REVIEWS.port()
            + " -alpn istio-http/1.1,istio -cert "
            + cert
            + " -key "
            + key(cert);
    return mesh.plainPod("outsider").exec(List.of("sh", "-c", request), false, WAIT);
  }

  private static Path key(Path cert) {
    return cert.resolveSibling(cert.getFileName().toString().replace(".pem", ".key"));
  }

  /**
   * A certificate chain for spiffeId from the mesh CA, obtained as a workload does
   * (CreateCertificate with its token).
   */
  private static Path meshIssued(String name, String spiffeId) throws Exception {
    Path csr = csr(name, spiffeId);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + mesh.controlPlane().mintToken(PRODUCTPAGE.identity(), Duration.ofMinutes(10)));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(mesh.gateway(), mesh.controlPlane().xdsTlsPort())
            .overrideAuthority(mesh.controlPlane().serverName())
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(
                        new ByteArrayInputStream(
                            mesh.controlPlane().rootCertPem().getBytes(StandardCharsets.US_ASCII)))
                    .build())
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build();
    try {
      IstioCertificateResponse chain =
          IstioCertificateServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .createCertificate(
                  IstioCertificateRequest.newBuilder()
                      .setCsr(Files.readString(csr))
                      .setValidityDuration(600)
                      .build());
      Path pem = certs.resolve(name + ".pem");
      Files.writeString(
          pem, String.join("", chain.getCertChainList().subList(0, chain.getCertChainCount() - 1)));
      return pem;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Path foreignCa() {
    Path key = certs.resolve("foreign-root.key");
    Path pem = certs.resolve("foreign-root.pem");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/O=other.example",
        "-keyout",
        key.toString(),
        "-out",
        pem.toString(),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return pem;
  }

  private static Path foreignIssued(String name, String spiffeId, Path root) throws Exception {
    Path csr = csr(name, spiffeId);
    Path ext = certs.resolve(name + ".ext");
    Files.writeString(
        ext,
        "subjectAltName=URI:"
            + spiffeId
            + "\nextendedKeyUsage=clientAuth,serverAuth\n"
            + "keyUsage=critical,digitalSignature,keyEncipherment\n");
    Path pem = certs.resolve(name + ".pem");
    openssl(
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        root.toString(),
        "-CAkey",
        key(root).toString(),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        ext.toString(),
        "-out",
        pem.toString());
    return pem;
  }

  private static Path csr(String name, String spiffeId) {
    Path key = certs.resolve(name + ".key");
    Path csr = certs.resolve(name + ".csr");
    openssl(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/",
        "-keyout",
        key.toString(),
        "-addext",
        "subjectAltName=URI:" + spiffeId,
        "-out",
        csr.toString());
    return csr;
  }

  private static void openssl(String... args) {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    ExecResult r = Commands.run(argv);
    assertThat(r.exitCode()).as("%s: %s", argv, r).isZero();
  }
}
