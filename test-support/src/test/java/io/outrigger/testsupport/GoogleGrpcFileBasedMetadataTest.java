package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.outrigger.hostnet.ProxyUserFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Facts about the pinned Envoy build that the control plane's proxy authentication rests on
 * (recorded in docs/envoy.md): an ADS bootstrap whose xDS cluster is the {@code google_grpc} client
 * over TLS with {@code envoy.grpc_credentials.file_based_metadata} call credentials is accepted,
 * Envoy really sends the token file's content as {@code authorization: Bearer <token>}, and it
 * re-reads the file for a new stream. The header is sent only when {@code credentials_factory_name}
 * names the file_based_metadata factory.
 */
class GoogleGrpcFileBasedMetadataTest {

  private static final String NODE_ID = "sidecar~127.0.0.1~probe.default~default.svc.cluster.local";

  @RegisterExtension final EnvoyExtension envoys = new EnvoyExtension();

  @TempDir Path dir;

  @Test
  void validateAcceptsGoogleGrpcAdsWithFileBasedMetadataCallCredentials() {
    SelfSignedCert cert = SelfSignedCert.create(dir, "outrigger-xds.test");
    Path token = ProxyUserFiles.writeReadable(dir.resolve("token"), "validate-only");
    assertThatCode(
            () -> EnvoyValidator.validateBootstrap(adsBootstrap(15012, cert.certFile(), token)))
        .doesNotThrowAnyException();
  }

  @Test
  void envoySendsTheTokenFileAsBearerAndRereadsItForANewStream() throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir, "outrigger-xds.test");
    Path token = ProxyUserFiles.writeReadable(dir.resolve("token"), "first-token");
    try (TokenCapturingXdsServer xds = new TokenCapturingXdsServer(cert)) {
      envoys.start(EnvoyOptions.onHost(adsBootstrap(xds.port(), cert.certFile(), token)));

      TokenCapturingXdsServer.StreamOpened first = xds.nextStream(Duration.ofSeconds(20));
      assertThat(first).as("an ADS stream over TLS from Envoy's google_grpc client").isNotNull();
      assertThat(first.authorization()).isEqualTo("Bearer first-token");
      assertThat(first.nodeId()).isEqualTo(NODE_ID);

      Files.writeString(token, "rotated-token");
      assertThat(awaitStreamWith(xds, "Bearer rotated-token", Duration.ofSeconds(30)))
          .as("a stream opened after the token file changed carries the new token")
          .isTrue();
    }
  }

  /**
   * A token file ending in a line break (what {@code echo}, editors and {@code cmd > file} write)
   * is sent as is: gRPC refuses a header value holding {@code \\n}, so Envoy's client fails every
   * stream before it is opened (status 13, empty message) and the server never sees a request.
   * Trailing blanks are legal header characters and arrive. Sidecars only work if whoever writes
   * the file writes the token alone.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n"})
  void aTokenFileEndingInALineBreakNeverReachesTheServer(String ending) throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir, "outrigger-xds.test");
    Path token = ProxyUserFiles.writeReadable(dir.resolve("token"), "first-token" + ending);
    try (TokenCapturingXdsServer xds = new TokenCapturingXdsServer(cert)) {
      EnvoyAdmin admin =
          envoys
              .start(EnvoyOptions.onHost(adsBootstrap(xds.port(), cert.certFile(), token)))
              .admin();

      assertThat(xds.nextStream(Duration.ofSeconds(8))).as("no stream arrives").isNull();
      assertThat(admin.stat("cluster_manager.cds.update_failure"))
          .as("Envoy counted the failed streams")
          .isPositive();
    }
  }

  @Test
  void withoutCredentialsFactoryNameTheCallCredentialsAreSilentlyDropped() throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir, "outrigger-xds.test");
    Path token = ProxyUserFiles.writeReadable(dir.resolve("token"), "first-token");
    try (TokenCapturingXdsServer xds = new TokenCapturingXdsServer(cert)) {
      String bootstrap = adsBootstrap(xds.port(), cert.certFile(), token, false);
      EnvoyValidator.validateBootstrap(bootstrap);
      envoys.start(EnvoyOptions.onHost(bootstrap));

      TokenCapturingXdsServer.StreamOpened first = xds.nextStream(Duration.ofSeconds(20));
      assertThat(first).as("an ADS stream over TLS from Envoy's google_grpc client").isNotNull();
      assertThat(first.nodeId()).isEqualTo(NODE_ID);
      assertThat(first.authorization())
          .as("this Envoy build's default credentials factory ignores from_plugin")
          .isNull();
    }
  }

  private static boolean awaitStreamWith(
      TokenCapturingXdsServer xds, String authorization, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      TokenCapturingXdsServer.StreamOpened next =
          xds.nextStream(Duration.between(Instant.now(), deadline));
      if (next != null && authorization.equals(next.authorization())) {
        return true;
      }
    }
    return false;
  }

  /** The shape the injector's SidecarBootstrap renders for the TLS+token mode (docs/envoy.md). */
  static String adsBootstrap(int xdsPort, Path rootCert, Path tokenFile) {
    return adsBootstrap(xdsPort, rootCert, tokenFile, true);
  }

  private static String adsBootstrap(
      int xdsPort, Path rootCert, Path tokenFile, boolean factoryName) {
    return """
                node: {id: "%s", cluster: probe.default}
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                dynamic_resources:
                  ads_config:
                    api_type: GRPC
                    transport_api_version: V3
                    grpc_services:
                    - google_grpc:
                        target_uri: 127.0.0.1:%d
                        stat_prefix: xds
                        %s
                        channel_credentials:
                          ssl_credentials:
                            root_certs: {filename: %s}
                        call_credentials:
                        - from_plugin:
                            name: envoy.grpc_credentials.file_based_metadata
                            typed_config:
                              "@type": type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig
                              secret_data: {filename: %s}
                              header_key: authorization
                              header_prefix: "Bearer "
                  cds_config: {ads: {}, resource_api_version: V3}
                  lds_config: {ads: {}, resource_api_version: V3}
                """
        .formatted(
            NODE_ID,
            xdsPort,
            factoryName
                ? "credentials_factory_name: envoy.grpc_credentials.file_based_metadata"
                : "",
            rootCert,
            tokenFile);
  }
}
