package io.outrigger.injector.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.injector.GoldenShapes;
import io.outrigger.injector.TestCertificates;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the injected sidecar the way the kubelet would: its exact command and arguments with the
 * {@code $(VAR)} references expanded from its downward-API env, as UID/GID 1337, in a fresh network
 * namespace and a private mount namespace where the token and mesh-root volumes are mounted at the
 * paths the pod spec gives. Envoy must accept the configuration, report the pod's identity, and,
 * with no control plane to answer, stay unready so the postStart wait keeps the app from starting.
 */
class SidecarRunsInPodTest {

  private static final Map<String, String> DOWNWARD_API =
      Map.of(
          "POD_NAME", "reviews-classic",
          "POD_NAMESPACE", "bookinfo",
          "POD_UID", "5f0c3a52-7b1e-4d0a-9c1e-2f6d8a4b7c90",
          "INSTANCE_IP", "198.18.0.10",
          "SERVICE_ACCOUNT", "bookinfo-reviews",
          "NODE_NAME", "node-1");

  @TempDir Path volumes;

  @Test
  void injectedSidecarStartsReportsThePodIdentityAndWaitsForTheControlPlane() throws Exception {
    Prerequisites.requireRoot();
    Path envoy = ProxyUserFiles.executableByProxyUser(Prerequisites.requireEnvoy());
    for (String command :
        List.of("unshare", "nsenter", "setpriv", "curl", "ip", "mount", "timeout")) {
      Prerequisites.requireCommand(command);
    }
    JsonNode sidecar =
        SidecarArgs.sidecar(
                GoldenShapes.injector().inject(GoldenShapes.request("native-off")).pod())
            .orElseThrow();
    List<String> envNames = new ArrayList<>();
    sidecar.path("env").forEach(e -> envNames.add(e.path("name").asText()));
    assertThat(envNames).containsExactlyInAnyOrderElementsOf(DOWNWARD_API.keySet());

    Process pod = startSidecar(envoy, sidecar);
    try {
      JsonNode node = new ObjectMapper().readTree(awaitAdmin(pod, "/server_info")).path("node");
      assertThat(node.path("id").asText())
          .isEqualTo("sidecar~198.18.0.10~reviews-classic.bookinfo~bookinfo.svc.cluster.local");
      assertThat(node.path("cluster").asText()).isEqualTo("reviews.bookinfo");
      assertThat(node.at("/metadata/NAME").asText()).isEqualTo("reviews-classic");
      assertThat(node.at("/metadata/NAMESPACE").asText()).isEqualTo("bookinfo");
      assertThat(node.at("/metadata/POD_UID").asText())
          .isEqualTo("5f0c3a52-7b1e-4d0a-9c1e-2f6d8a4b7c90");
      assertThat(node.at("/metadata/SERVICE_ACCOUNT").asText()).isEqualTo("bookinfo-reviews");
      assertThat(node.at("/metadata/INSTANCE_IPS").asText()).isEqualTo("198.18.0.10");
      assertThat(Files.readString(Path.of("/proc/" + pod.pid() + "/status")))
          .containsPattern("(?m)^Uid:\\s+1337\\s");

      // No control plane answers here: Envoy must not call itself ready, and the app must wait.
      List<String> wait = new ArrayList<>(List.of("timeout", "5"));
      sidecar.at("/lifecycle/postStart/exec/command").forEach(c -> wait.add(c.asText()));
      Result waited = inPod(pod, 20, wait);
      assertThat(waited.exit())
          .as("postStart still waiting after 5 s: %s", waited.output())
          .isEqualTo(124);
      assertThat(
              inPod(
                      pod,
                      10,
                      List.of(
                          "curl",
                          "-sS",
                          "--max-time",
                          "5",
                          "-w",
                          " %{http_code}",
                          "http://127.0.0.1:15000/ready"))
                  .output())
          .isEqualTo("PRE_INITIALIZING\n 503");
    } finally {
      pod.destroy();
      if (!pod.waitFor(10, TimeUnit.SECONDS)) {
        pod.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * unshare execs through bash and setpriv into Envoy, so the process is Envoy in both namespaces.
   */
  private Process startSidecar(Path envoy, JsonNode sidecar) throws Exception {
    Path token = Files.writeString(volumes.resolve("token"), "header.payload.signature");
    Path root = volumes.resolve("root-cert.pem");
    TestCertificates.selfSigned(root, volumes.resolve("root-key.pem"), "outrigger-mesh-root", "ec");
    String mountVolumes =
        String.join(
            " && ",
            "ip link set lo up",
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
                "--net",
                "--propagation",
                "private",
                "--",
                "bash",
                "-c",
                mountVolumes,
                "sidecar",
                envoy.toString()));
    assertThat(sidecar.at("/command/0").asText()).isEqualTo("/usr/local/bin/envoy");
    sidecar.path("args").forEach(a -> command.add(SidecarArgs.expand(a.asText(), DOWNWARD_API)));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(volumes.resolve("envoy.log").toFile())
        .start();
  }

  /** The admin API answers as soon as Envoy has parsed its bootstrap; poll until it does. */
  private String awaitAdmin(Process pod, String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Result last = inPod(pod, 10, curl("http://127.0.0.1:15000" + path));
    while (last.exit() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      last = inPod(pod, 10, curl("http://127.0.0.1:15000" + path));
    }
    assertThat(last.exit()).as("admin %s: %s%nEnvoy log:%n%s", path, last.output(), log()).isZero();
    return last.output();
  }

  private static List<String> curl(String url) {
    return List.of("curl", "-sS", "--max-time", "5", "--fail", url);
  }

  private record Result(int exit, String output) {}

  private Result inPod(Process pod, int seconds, List<String> command) throws Exception {
    assertThat(pod.isAlive()).as("sidecar Envoy exited early; log:%n%s", log()).isTrue();
    List<String> full =
        new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pod.pid()), "-n", "--"));
    full.addAll(command);
    Path out = Files.createTempFile(volumes, "exec-", ".out");
    Process p =
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(done)
        .as("%s finished within %d s; Envoy log:%n%s", command, seconds, log())
        .isTrue();
    return new Result(p.exitValue(), output);
  }

  private String log() throws IOException {
    Path log = volumes.resolve("envoy.log");
    return Files.exists(log) ? Files.readString(log) : "<no log>";
  }
}
