package io.outrigger.cli;

import static io.outrigger.cli.BadInputTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy-status, proxy-config, dashboard and analyze given real bad input through the real command
 * tree: meshes that do not exist, mesh.json files that are not the supervisor's, a control plane
 * that does not answer, a pod the mesh lacks, unreadable manifests. One {@code error:} line naming
 * the object and the reason, exit 1; usage errors exit 2.
 */
class InspectionBadInputTest {
  @TempDir Path stateRoot;
  private Map<String, String> env;

  @BeforeEach
  void env() {
    env = new HashMap<>(System.getenv());
    env.put("OUTRIGGER_MESH_STATE", stateRoot.toString());
  }

  private CliRun run(String... args) {
    return CliRun.withEnv(env, args);
  }

  private static void assertUsageError(CliRun run, String firstLine) {
    assertThat(run.err()).doesNotContain("\tat ");
    assertThat(run.errLines().getFirst()).isEqualTo(firstLine);
    assertThat(run.errLines().getLast())
        .startsWith("Run 'outrigger ")
        .endsWith(" --help' for usage.");
    assertThat(run.exitCode()).isEqualTo(2);
  }

  private Path meshFile(String mesh, String json) throws IOException {
    Path dir = Files.createDirectories(stateRoot.resolve(mesh));
    return Files.writeString(dir.resolve("mesh.json"), json);
  }

  private static String meshJson(String monitoring, String podsJson) {
    return """
        {"name": "m", "stateDir": "/tmp/m",
         "controlPlane": {"monitoring": "%s", "xdsTls": "198.18.0.1:15012", "gateway": "198.18.0.1"},
         "pods": %s}"""
        .formatted(monitoring, podsJson);
  }

  @Test
  void aMeshThatIsNotRunning() {
    Path file = stateRoot.resolve("nope").resolve("mesh.json");
    String expected =
        "error: no host-mode mesh 'nope' (no "
            + file
            + "): start one with `outrigger mesh up -f ...`";
    assertOneLineError(run("proxy-status", "--mesh", "nope"), expected);
    // --name, as `mesh up --name` and the demo's hints write it, is the same option.
    assertOneLineError(run("proxy-status", "--name", "nope"), expected);
    assertOneLineError(
        run("proxy-config", "clusters", "bookinfo/reviews-v1", "--mesh", "nope"), expected);
    assertOneLineError(run("dashboard", "--mesh", "nope"), expected);
    assertOneLineError(
        run("proxy-status", "--mesh", "../etc"),
        "error: mesh name '../etc': must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }

  @Test
  void meshFilesTheSupervisorDidNotWrite() throws IOException {
    Path file = meshFile("m", "{\"name\": \"m\", ");
    assertThat(run("proxy-status", "--mesh", "m").errLines().getFirst())
        .startsWith("error: mesh file " + file + ": not valid JSON: Unexpected end-of-input");
    meshFile("m", "{\"name\": \"m\"}");
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: mesh file " + file + ": controlPlane is missing or not an object");
    meshFile("m", meshJson("ftp://127.0.0.1:1", "[]"));
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: mesh file "
            + file
            + ": controlPlane.monitoring 'ftp://127.0.0.1:1' is not http://HOST:PORT");
    meshFile(
        "m",
        meshJson(
            "http://127.0.0.1:1",
            "[{\"namespace\": \"a\", \"name\": \"b\", \"netns\": \"../../etc\"}]"));
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: mesh file "
            + file
            + ": pods[0].netns '../../etc': "
            + "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    meshFile("m", meshJson("http://127.0.0.1:1", "[{\"namespace\": \"a\", \"name\": \"b\"}]"));
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: mesh file " + file + ": pods[0].netns is missing or not a string");
    Files.write(file, new byte[4 * 1024 * 1024 + 1]);
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: mesh file " + file + ": larger than 4194304 bytes");
  }

  @Test
  void aControlPlaneThatDoesNotAnswer() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    assertOneLineError(
        run("proxy-status", "--control-plane", url),
        "error: control plane " + url + "/debug/syncz: connection refused (is the mesh running?)");
    meshFile("m", meshJson(url, "[]"));
    assertOneLineError(
        run("proxy-status", "--mesh", "m"),
        "error: control plane " + url + "/debug/syncz: connection refused (is the mesh running?)");
    assertOneLineError(
        run("proxy-status", "--control-plane", "localhost:15014"),
        "error: control plane URL 'localhost:15014': must be http://HOST:PORT of its monitoring port (15014)");
  }

  @Test
  void proxyConfigOfAPodTheMeshCannotReach() throws IOException {
    meshFile(
        "m",
        meshJson(
            "http://127.0.0.1:1",
            """
        [{"namespace": "bookinfo", "name": "plain", "ip": "198.18.0.9", "netns": "outrigger-absent-1",
          "sidecar": false, "nodeId": null, "ready": true},
         {"namespace": "bookinfo", "name": "gone", "ip": "198.18.0.8", "netns": "outrigger-absent-2",
          "sidecar": true, "nodeId": "sidecar~198.18.0.8~gone.bookinfo~bookinfo.svc.cluster.local", "ready": true}]"""));
    assertOneLineError(
        run("proxy-config", "clusters", "bookinfo/ghost", "--mesh", "m"),
        "error: mesh 'm' has no pod bookinfo/ghost (pods: bookinfo/plain, bookinfo/gone)");
    assertOneLineError(
        run("proxy-config", "clusters", "bookinfo/plain", "--mesh", "m"),
        "error: pod bookinfo/plain in mesh 'm' has no sidecar");
    // The netns is gone (the pod was removed under the file): nsenter says so, in one line.
    assertThat(run("proxy-config", "secret", "bookinfo/gone", "--mesh", "m").errLines())
        .singleElement()
        .asString()
        .startsWith(
            "error: sidecar of bookinfo/gone: admin /config_dump in netns outrigger-absent-2 failed: ")
        .contains("outrigger-absent-2");
    assertOneLineError(
        run("proxy-config", "clusters", "bookinfo/gone", "--control-plane", "http://127.0.0.1:1"),
        "error: pod bookinfo/gone: a sidecar's admin cannot be reached from a control plane URL alone; name the mesh "
            + "with --mesh");
  }

  @Test
  void usageErrors() {
    assertUsageError(
        run("proxy-config", "clusterz", "bookinfo/a"),
        "error: Invalid value for positional parameter at "
            + "index 0 (TYPE): 'clusterz' is not a config type: use listeners, routes, clusters, endpoints or secret");
    assertUsageError(
        run("proxy-config", "clusters", "reviews-v1"),
        "error: pod 'reviews-v1': must be NAMESPACE/NAME");
    assertUsageError(
        run("proxy-config", "clusters"), "error: Missing required parameter: 'NS/POD'");
    assertUsageError(
        run("proxy-status", "-o", "xml"),
        "error: Invalid value for option '--output': 'xml' is not an output format: use short, json, yaml");
    assertUsageError(run("analyze"), "error: Missing required option: '--filename=PATH'");
    assertUsageError(
        run("check", "-o", "table"),
        "error: Invalid value for option '--output': 'table' is not an output format: use short, json, yaml");
  }

  @Test
  void analyzeOfFilesThatCannotBeRead() throws IOException {
    Path missing = stateRoot.resolve("missing.yaml");
    assertOneLineError(
        run("analyze", "-f", missing.toString()),
        "error: manifest " + missing + ": cannot read: no such file or directory");
    // Unparseable YAML is a finding about the file, on stdout: the other files are still analyzed.
    Path bad = Files.writeString(stateRoot.resolve("bad.yaml"), "kind: [unclosed\n");
    Path good =
        Files.writeString(
            stateRoot.resolve("good.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\nspec: {ports: [{port: 80}]}\n");
    CliRun run = run("analyze", "-f", bad.toString(), good.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEmpty();
    assertThat(run.out().lines())
        .singleElement()
        .asString()
        .startsWith("Error [OR0001] File " + bad + ": invalid YAML");
    JsonNode json =
        new ObjectMapper()
            .readTree(run("analyze", "-f", bad.toString(), good.toString(), "-o", "json").out());
    assertThat(json.path("errors").asInt()).isEqualTo(1);
    assertThat(json.path("objects").asInt()).isEqualTo(1);
    assertThat(json.at("/findings/0/code").asText()).isEqualTo("OR0001");
    assertThat(json.at("/findings/0/source").asText()).isEqualTo(bad.toString());

    CliRun clean = run("analyze", "-f", good.toString());
    assertThat(clean.exitCode()).isZero();
    assertThat(clean.out()).isEqualTo("No validation issues found in 1 objects of 1 files.\n");
  }

  @Test
  void dashboardPrintsTheUrlAndSaysWhenItCannotOpenIt() throws IOException {
    meshFile("m", meshJson("http://127.0.0.1:15014", "[]"));
    CliRun printed = run("dashboard", "--mesh", "m");
    assertThat(printed.exitCode()).as(printed.err()).isZero();
    assertThat(printed.out()).isEqualTo("http://127.0.0.1:15014/ui\n");

    env.put("PATH", Files.createDirectory(stateRoot.resolve("empty-bin")).toString());
    CliRun open = run("dashboard", "--mesh", "m", "--open");
    assertThat(open.out()).isEqualTo("http://127.0.0.1:15014/ui\n");
    assertOneLineError(
        open,
        "error: --open: neither xdg-open nor chromium is on PATH; open "
            + "http://127.0.0.1:15014/ui in a browser");
  }
}
