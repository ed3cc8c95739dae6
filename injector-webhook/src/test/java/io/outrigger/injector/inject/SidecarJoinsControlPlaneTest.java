package io.outrigger.injector.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.injector.GoldenShapes;
import io.outrigger.injector.TestCertificates;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The injected sidecar in a pod on the real CNI chain, dialling a TLS ADS server on the pod
 * network's host side by IP: it must verify the server under the configured name ({@code
 * grpc.ssl_target_name_override}), present the pod's token, receive its (empty) config, turn ready
 * on 15021, let the postStart wait finish, and serve Prometheus stats on 15090.
 */
class SidecarJoinsControlPlaneTest {

  private static final String SERVER_NAME = "outrigger.outrigger-system.svc";
  private static final String TOKEN = "header.payload.signature";

  @TempDir Path dir;

  @Test
  void sidecarGetsConfigOverTlsWithItsTokenAndTurnsReady() throws Exception {
    Path envoy = ProxyUserFiles.executableByProxyUser(Prerequisites.requireEnvoy());
    for (String command : List.of("unshare", "setpriv", "curl", "mount", "install")) {
      Prerequisites.requireCommand(command);
    }
    Path cert = dir.resolve("cp.crt");
    Path key = dir.resolve("cp.key");
    TestCertificates.selfSigned(cert, key, SERVER_NAME, "ec", "DNS:" + SERVER_NAME);
    Path token = Files.writeString(dir.resolve("token"), TOKEN);
    // The bridge gets its gateway address with the first pod, so the pod comes before the server.
    try (PodNetwork network = PodNetwork.create();
        NetnsPod pod = network.addPod(PodSpec.named("reviews-classic").inNamespace("bookinfo"));
        EmptyAdsServer ads = new EmptyAdsServer(network.gateway(), cert, key)) {
      InjectorConfig config =
          new InjectorConfig(
              null,
              null,
              null,
              network.gateway() + ":" + ads.port(),
              SERVER_NAME,
              null,
              NativeSidecarMode.OFF,
              null,
              null,
              null,
              null,
              "info",
              null);
      JsonNode sidecar =
          SidecarArgs.sidecar(
                  new SidecarInjector(config, new SidecarBootstrap())
                      .inject(GoldenShapes.request("native-off"))
                      .pod())
              .orElseThrow();
      Map<String, String> downwardApi =
          Map.of(
              "POD_NAME",
              "reviews-classic",
              "POD_NAMESPACE",
              "bookinfo",
              "INSTANCE_IP",
              pod.ip(),
              "SERVICE_ACCOUNT",
              "bookinfo-reviews",
              "NODE_NAME",
              "node-1");

      Process envoyProcess =
          pod.start(sidecarCommand(envoy, sidecar, token, cert, downwardApi), false);

      List<String> wait = new ArrayList<>();
      sidecar.at("/lifecycle/postStart/exec/command").forEach(c -> wait.add(c.asText()));
      ExecResult waited = pod.exec(wait, false, Duration.ofSeconds(90));
      assertThat(waited.exitCode())
          .as(
              "postStart wait: %s%s%nEnvoy log:%n%s",
              waited.stdout(), waited.stderr(), pod.log(envoyProcess))
          .isZero();
      String nodeId =
          "sidecar~" + pod.ip() + "~reviews-classic.bookinfo~bookinfo.svc.cluster.local";
      assertThat(ads.askedBy)
          .containsEntry(
              "type.googleapis.com/envoy.config.cluster.v3.Cluster",
              "Bearer " + TOKEN + " " + nodeId)
          .containsEntry(
              "type.googleapis.com/envoy.config.listener.v3.Listener",
              "Bearer " + TOKEN + " " + nodeId);
      // What the kubelet and Prometheus reach: the pod IP, not loopback.
      assertThat(curl(pod, "http://" + pod.ip() + ":15021/healthz/ready")).isEqualTo("LIVE\n 200");
      assertThat(curl(pod, "http://" + pod.ip() + ":15090/stats/prometheus"))
          .contains("envoy_server_live{} 1")
          .endsWith(" 200");
    }
  }

  /** The kubelet's view: volumes at the pod spec's paths, $(VAR) expanded, UID/GID 1337. */
  private static List<String> sidecarCommand(
      Path envoy, JsonNode sidecar, Path token, Path root, Map<String, String> env) {
    String volumes =
        String.join(
            " && ",
            "mount -t tmpfs -o mode=755 outrigger-volumes /run",
            "mkdir -p /run/secrets/tokens /run/secrets/outrigger",
            "install -m 644 " + token + " /run/secrets/tokens/outrigger-token",
            "install -m 644 " + root + " /run/secrets/outrigger/root-cert.pem",
            "exec setpriv --reuid 1337 --regid 1337 --clear-groups -- \"$@\"");
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "bash",
                "-c",
                volumes,
                "sidecar",
                envoy.toString()));
    sidecar.path("args").forEach(arg -> command.add(SidecarArgs.expand(arg.asText(), env)));
    return command;
  }

  private static String curl(NetnsPod pod, String url) {
    ExecResult result =
        pod.exec(
            List.of("curl", "-sS", "--max-time", "5", "-w", " %{http_code}", url),
            false,
            Duration.ofSeconds(10));
    return result.stdout() + result.stderr();
  }
}
