package io.outrigger.sidecar.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.sidecar.AppHealthPaths;
import io.outrigger.sidecar.MeshKeys;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppProbesAnnotationTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void whatTheInjectorWritesTheControlPlaneReads() throws Exception {
    JsonNode http =
        JSON.readTree("{\"httpGet\":{\"path\":\"/healthz\",\"port\":9080},\"periodSeconds\":5}");
    JsonNode tcp = JSON.readTree("{\"tcpSocket\":{\"port\":9080}}");
    JsonNode grpc = JSON.readTree("{\"grpc\":{\"port\":9090,\"service\":\"reviews\"}}");
    String value =
        AppProbesAnnotation.encode(
            Map.of(
                AppHealthPaths.of("app", "readinessProbe"), tcp,
                AppHealthPaths.of("app", "livenessProbe"), http,
                AppHealthPaths.of("app", "startupProbe"), grpc));

    assertThat(value).startsWith("{\"/app-health/app/livez\":");
    assertThat(AppProbesAnnotation.parse(Map.of(MeshKeys.APP_PROBES, value)))
        .containsExactly(
            new AppProbe("/app-health/app/livez", AppProbe.Kind.HTTP_GET, 9080, "/healthz", ""),
            new AppProbe("/app-health/app/readyz", AppProbe.Kind.TCP_SOCKET, 9080, "", ""),
            new AppProbe("/app-health/app/startupz", AppProbe.Kind.GRPC, 9090, "", "reviews"));
  }

  @Test
  void aBadAnnotationNamesTheAnnotationThePathAndTheReason() {
    assertThatThrownBy(
            () ->
                AppProbesAnnotation.parse(
                    Map.of(MeshKeys.APP_PROBES, "{\"/healthz\":{\"tcpSocket\":{\"port\":1}}}")))
        .isInstanceOf(InvalidAppProbesException.class)
        .hasMessage(
            "metadata.annotations[outrigger.io/app-probes]: path \"/healthz\" is not under /app-health/");
    assertThatThrownBy(
            () ->
                AppProbesAnnotation.parse(
                    Map.of(
                        MeshKeys.APP_PROBES,
                        "{\"/app-health/app/livez\":{\"tcpSocket\":{\"port\":70000}}}")))
        .hasMessageContaining("[/app-health/app/livez]: port 70000 is not a number in 1..65535");
    assertThat(AppHealthPaths.isAppHealthPath("/app-health/app/livez")).isTrue();
  }
}
