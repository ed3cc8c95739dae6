package io.outrigger.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProtocolTest {
  @Test
  void appProtocolWinsOverThePortName() {
    assertThat(Protocol.of("tcp-db", "http")).isEqualTo(Protocol.HTTP);
    assertThat(Protocol.of("http", "grpc")).isEqualTo(Protocol.GRPC);
    assertThat(Protocol.of("http", "kubernetes.io/h2c")).isEqualTo(Protocol.HTTP2);
  }

  @Test
  void portNamePrefixDecidesWithoutAppProtocol() {
    assertThat(Protocol.of("http-web", null)).isEqualTo(Protocol.HTTP);
    assertThat(Protocol.of("http2", null)).isEqualTo(Protocol.HTTP2);
    assertThat(Protocol.of("grpc-api", "")).isEqualTo(Protocol.GRPC);
    assertThat(Protocol.of("https-admin", null)).isEqualTo(Protocol.HTTPS);
    assertThat(Protocol.of("tls", null)).isEqualTo(Protocol.TLS);
    assertThat(Protocol.of("HTTP-upper", null)).isEqualTo(Protocol.HTTP);
  }

  @Test
  void unknownOrMissingNamesAreOpaqueTcp() {
    assertThat(Protocol.of("web", null)).isEqualTo(Protocol.TCP);
    assertThat(Protocol.of("", null)).isEqualTo(Protocol.TCP);
    assertThat(Protocol.of("httpfoo", null)).isEqualTo(Protocol.TCP);
    assertThat(Protocol.of("web", "made-up")).isEqualTo(Protocol.TCP);
  }

  @Test
  void onlyHttpFamiliesAreRoutedAsHttp() {
    assertThat(Protocol.GRPC.isHttp()).isTrue();
    assertThat(Protocol.GRPC.isHttp2()).isTrue();
    assertThat(Protocol.HTTP.isHttp2()).isFalse();
    assertThat(Protocol.HTTPS.isHttp()).isFalse();
    assertThat(Protocol.TCP.isHttp()).isFalse();
  }
}
