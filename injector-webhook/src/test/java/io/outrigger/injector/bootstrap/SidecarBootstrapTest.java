package io.outrigger.injector.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.Golden;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.sidecar.bootstrap.XdsTransport;
import io.outrigger.testsupport.EnvoyValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarBootstrapTest {

  @TempDir static Path secrets;
  static Path token;
  static Path root;

  private final SidecarBootstrap bootstrap = new SidecarBootstrap();

  @BeforeAll
  static void secretFiles() throws IOException {
    // Envoy's validate mode opens the files the bootstrap names, as the pod's volumes provide them.
    token = Files.writeString(secrets.resolve("token"), "not-a-real-token");
    root = Files.writeString(secrets.resolve("root-cert.pem"), "");
  }

  private static BootstrapParams.Builder reviews() {
    return BootstrapParams.builder()
        .namespace("bookinfo")
        .podName("reviews-v2-7c9f8d-abcde")
        .workloadName("reviews-v2")
        .serviceAccount("bookinfo-reviews")
        .labels(Map.of("app", "reviews", "version", "v2"))
        .instanceIp("198.18.0.7")
        .outriggerVersion("0.1.0-test");
  }

  private BootstrapParams tls(String serverName) {
    return reviews()
        .controlPlane(ControlPlaneAddress.parse("198.18.0.1:15012"))
        .transport(XdsTransport.TLS_TOKEN)
        .tokenFile(token)
        .rootCertFile(root)
        .controlPlaneServerName(serverName)
        .build();
  }

  @Test
  void tlsBootstrapMatchesGoldenAndEnvoyAcceptsIt() {
    BootstrapParams params = tls("outrigger.outrigger-system.svc");
    String yaml = bootstrap.render(params);

    Golden.assertMatches("bootstrap/tls-token.yaml", yaml.replace(secrets.toString(), "/secrets"));
    EnvoyValidator.validateBootstrap(yaml);
  }

  @Test
  void tlsCallCredentialsReadTheTokenFileAndOverrideTheServerName() throws IOException {
    JsonNode ads =
        new YAMLMapper()
            .readTree(bootstrap.render(tls("outrigger.outrigger-system.svc")))
            .at("/dynamic_resources/ads_config/grpc_services/0/google_grpc");

    assertThat(ads.at("/target_uri").asText()).isEqualTo("198.18.0.1:15012");
    assertThat(ads.at("/channel_credentials/ssl_credentials/root_certs/filename").asText())
        .isEqualTo(root.toString());
    JsonNode plugin = ads.at("/call_credentials/0/from_plugin/typed_config");
    assertThat(plugin.at("/secret_data/filename").asText()).isEqualTo(token.toString());
    assertThat(plugin.at("/header_key").asText()).isEqualTo("authorization");
    assertThat(plugin.at("/header_prefix").asText()).isEqualTo("Bearer ");
    assertThat(ads.at("/channel_args/args/grpc.ssl_target_name_override/string_value").asText())
        .isEqualTo("outrigger.outrigger-system.svc");
  }

  @Test
  void statsStreamToTheControlPlaneOverTheAdsServiceEveryFlush() throws IOException {
    JsonNode root =
        new YAMLMapper().readTree(bootstrap.render(tls("outrigger.outrigger-system.svc")));
    JsonNode sink = root.at("/stats_sinks/0");

    assertThat(sink.at("/name").asText()).isEqualTo("envoy.stat_sinks.metrics_service");
    assertThat(sink.at("/typed_config/histogram_emit_mode").asText()).isEqualTo("HISTOGRAM");
    // Same address, TLS root, token and server name as ADS: the stream is authenticated like ADS.
    assertThat(sink.at("/typed_config/grpc_service"))
        .isEqualTo(root.at("/dynamic_resources/ads_config/grpc_services/0"));
    assertThat(root.at("/stats_flush_interval").asText())
        .isEqualTo(SidecarBootstrap.STATS_FLUSH_INTERVAL);
  }

  @Test
  void withoutServerNameTheDialledHostIsVerified() throws IOException {
    String yaml = bootstrap.render(tls(null));

    assertThat(new YAMLMapper().readTree(yaml).findPath("channel_args").isMissingNode()).isTrue();
    EnvoyValidator.validateBootstrap(yaml);
  }

  @Test
  void plaintextLoopbackUsesAnHttp2StaticCluster() {
    BootstrapParams params =
        reviews()
            .controlPlane(ControlPlaneAddress.parse("127.0.0.1:15010"))
            .transport(XdsTransport.PLAINTEXT)
            .apiType(XdsApiType.DELTA_GRPC)
            .build();
    String yaml = bootstrap.render(params);

    Golden.assertMatches("bootstrap/plaintext-delta.yaml", yaml);
    EnvoyValidator.validateBootstrap(yaml);
  }

  @Test
  void plaintextByHostNameResolvesWithDns() throws IOException {
    BootstrapParams params =
        reviews()
            .controlPlane(ControlPlaneAddress.parse("localhost:15010"))
            .transport(XdsTransport.PLAINTEXT)
            .build();
    String yaml = bootstrap.render(params);

    JsonNode xds = new YAMLMapper().readTree(yaml).at("/static_resources/clusters/1");
    assertThat(xds.at("/name").asText()).isEqualTo("xds-grpc");
    assertThat(xds.at("/type").asText()).isEqualTo("STRICT_DNS");
    EnvoyValidator.validateBootstrap(yaml);
  }

  @Test
  void jsonRenderingIsTheSameBootstrap() throws IOException {
    BootstrapParams params = tls("cp");

    JsonNode fromYaml = new YAMLMapper().readTree(bootstrap.render(params));
    JsonNode fromJson = new ObjectMapper().readTree(bootstrap.renderJson(params));

    assertThat(fromJson).isEqualTo(fromYaml);
    assertThat(bootstrap.renderJson(params)).doesNotContain("\n");
  }

  @Test
  void nodeIdAndClusterFollowIstioShape() {
    BootstrapParams params = tls(null);

    assertThat(params.nodeId())
        .isEqualTo(
            "sidecar~198.18.0.7~reviews-v2-7c9f8d-abcde.bookinfo~bookinfo.svc.cluster.local");
    assertThat(params.cluster()).isEqualTo("reviews-v2.bookinfo");
  }

  @Test
  void tlsWithoutTokenIsRejectedNamingTheNode() {
    assertThatThrownBy(
            () ->
                reviews()
                    .controlPlane(ControlPlaneAddress.parse("cp:15012"))
                    .rootCertFile(root)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sidecar~198.18.0.7~reviews-v2-7c9f8d-abcde.bookinfo")
        .hasMessageContaining("token file");
  }

  @Test
  void malformedControlPlaneAddressIsRejected() {
    assertThatThrownBy(() -> ControlPlaneAddress.parse("cp"))
        .hasMessageContaining("'cp': expected host:port");
    assertThatThrownBy(() -> ControlPlaneAddress.parse("cp:http"))
        .hasMessageContaining("port is not a number");
  }
}
