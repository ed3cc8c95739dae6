package io.outrigger.controlplane.registry.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.outrigger.controlplane.model.Workload;
import org.junit.jupiter.api.Test;

class PodConverterTest {
  private static final YAMLMapper YAML =
      YAMLMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private static Pod pod(String phase, String ready, String ip) throws Exception {
    return YAML.readValue(
        """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: reviews-v2-0
                  namespace: bookinfo
                  labels: {app: reviews, version: v2, security.istio.io/tlsMode: istio}
                  annotations:
                    outrigger.io/app-probes: '{"/app-health/app/readyz":{"httpGet":{"port":9080,"path":"/r"}}}'
                spec:
                  serviceAccountName: bookinfo-reviews
                  containers:
                    - name: app
                      ports: [{name: http, containerPort: 9080}]
                status:
                  phase: %s
                  podIP: %s
                  conditions: [{type: Ready, status: "%s"}]
                """
            .formatted(phase, ip, ready),
        Pod.class);
  }

  @Test
  void runningReadyPodIsAnEndpointWithItsIdentityLabelsAndPorts() throws Exception {
    Workload w = PodConverter.convert(pod("Running", "True", "198.18.7.5"), "bookinfo");
    assertThat(w.address()).isEqualTo("198.18.7.5");
    assertThat(w.identity()).isEqualTo("bookinfo/bookinfo-reviews");
    assertThat(w.labels()).containsEntry("version", "v2");
    assertThat(w.inMesh()).isTrue();
    assertThat(w.ports()).containsEntry("http", 9080);
    assertThat(w.appProbes()).hasSize(1);
    assertThat(w.serving()).isTrue();
  }

  @Test
  void runningPodWithoutReadyIsAWorkloadButNoEndpoint() throws Exception {
    assertThat(PodConverter.convert(pod("Running", "False", "198.18.7.5"), "bookinfo").serving())
        .isFalse();
  }

  @Test
  void pendingPodServesNothingAndPodWithoutIpIsNoWorkloadYet() throws Exception {
    assertThat(PodConverter.convert(pod("Pending", "False", "198.18.7.5"), "bookinfo").serving())
        .isFalse();
    assertThat(PodConverter.convert(pod("Running", "True", "''"), "bookinfo")).isNull();
  }

  @Test
  void podIpThatIsNoAddressIsRejected() {
    assertThatThrownBy(
            () -> PodConverter.convert(pod("Running", "True", "pod.example"), "bookinfo"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("status.podIP \"pod.example\"");
  }
}
