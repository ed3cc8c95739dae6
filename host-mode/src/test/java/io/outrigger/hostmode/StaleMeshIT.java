package io.outrigger.hostmode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostnet.Commands;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A supervisor killed with SIGKILL leaves its pods running; the next {@code mesh up} of that name
 * finds it dead (pid and start time) and removes everything it left before starting again. A pod
 * without sidecar (its namespace is not labelled) keeps the test short; its name still resolves
 * services through the hosts file.
 */
class StaleMeshIT {
  private final MeshCli mesh = new MeshCli("stale" + ProcessHandle.current().pid());

  @AfterEach
  void down() {
    if (Files.exists(mesh.paths().meshJson())) {
      JsonNode before = mesh.meshJson();
      assertThat(mesh.run("down").code()).isZero();
      MeshUpIT.assertNothingLeft(before);
    }
  }

  @Test
  void upAfterAKilledSupervisorRemovesWhatItLeftAndStartsAgain(@TempDir Path dir) throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Prerequisites.requireOutriggerCni();
    Prerequisites.requireEnvoy();
    Prerequisites.requireCommand("python3");
    Files.writeString(
        dir.resolve("app.yaml"),
        """
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: default, labels: {app: web}}
                spec:
                  containers:
                    - name: app
                      command: [python3, -m, http.server, "8080"]
                      workingDir: /tmp
                      securityContext: {runAsUser: 4242}
                      readinessProbe: {tcpSocket: {port: 8080}}
                """);
    MeshCli.Run up = mesh.run("up", "-f", dir.toString());
    assertThat(up.code()).as(up.err()).isZero();
    JsonNode first = mesh.meshJson();
    JsonNode pod = first.path("pods").get(0);
    assertThat(pod.path("sidecar").asBoolean()).isFalse();
    assertThat(first.path("services").get(0).path("clusterIP").asText()).startsWith("198.19.");
    String netns = pod.path("netns").asText();
    // The app runs in the pod's netns as its runAsUser, and the service's name resolves in the pod.
    String owner =
        Commands.run(List.of("ip", "netns", "exec", netns, "ss", "-Hltnp", "sport = :8080"))
            .stdout();
    assertThat(owner).contains("python3");
    assertThat(Files.readString(Path.of("/etc/netns", netns, "hosts")))
        .contains(first.path("services").get(0).path("clusterIP").asText() + "\tweb web.default ");

    ProcessHandle.of(first.path("supervisor").path("pid").asLong()).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                !Files.exists(mesh.paths().socket())
                    || ProcessHandle.of(first.path("supervisor").path("pid").asLong()).isEmpty());
    List<Long> orphans =
        Commands.run(List.of("ip", "netns", "pids", netns))
            .stdout()
            .lines()
            .filter(l -> !l.isBlank())
            .map(Long::parseLong)
            .toList();
    assertThat(orphans).as("its pod outlives it").isNotEmpty();

    MeshCli.Run again = mesh.run("up", "-f", dir.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).contains("removing what a dead supervisor left");
    assertThat(orphans)
        .as("the killed mesh's processes are gone")
        .allSatisfy(
            pid ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse());
    assertThat(mesh.meshJson().path("supervisor").path("pid").asLong())
        .isNotEqualTo(first.path("supervisor").path("pid").asLong());
  }
}
