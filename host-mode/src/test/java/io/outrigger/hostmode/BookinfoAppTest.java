package io.outrigger.hostmode;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostmode.manifest.KubeObject;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample's program (the ConfigMap's {@code bookinfo.py}) on loopback, without a mesh: it
 * compiles, a service answers with its name, version and pod and its callees' answers, and forwards
 * {@code end-user}. The mesh tests rely on these fields.
 */
class BookinfoAppTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void servicesAnswerWithNameVersionPodAndTheirCalleesAndForwardEndUser(@TempDir Path dir)
      throws Exception {
    Prerequisites.requireCommand("python3");
    Path script = dir.resolve("bookinfo.py");
    Files.writeString(script, program());
    assertThat(Commands.run(List.of("python3", "-m", "py_compile", script.toString())).stderr())
        .isEmpty();
    int ratings = freePort();
    int reviews = freePort();
    List<Process> servers = new ArrayList<>();
    try {
      servers.add(
          serve(script, Map.of("HOSTNAME", "ratings-v1-0"), "--name=ratings", "--port=" + ratings));
      servers.add(
          serve(
              script,
              Map.of("HOSTNAME", "reviews-v2-0"),
              "--name=reviews",
              "--version=v2",
              "--port=" + reviews,
              "--call=ratings=http://127.0.0.1:" + ratings + "/"));
      JsonNode summary = null;
      for (int attempt = 0;
          attempt < 50 && (summary == null || summary.path("errors").asInt() > 0);
          attempt++) {
        Thread.sleep(200);
        ExecResult get =
            Commands.run(
                List.of(
                    "python3",
                    script.toString(),
                    "get",
                    "http://127.0.0.1:" + reviews + "/",
                    "--count",
                    "3",
                    "--header",
                    "end-user:jason"),
                Map.of(),
                null,
                Duration.ofSeconds(30));
        summary = JSON.readTree(get.stdout());
      }
      assertThat(summary.path("errors").asInt()).isZero();
      assertThat(summary.path("versions").path("reviews:v2").asInt()).isEqualTo(3);
      assertThat(summary.path("versions").path("ratings:v1").asInt()).isEqualTo(3);
      assertThat(summary.path("pods").path("reviews-v2-0").asInt()).isEqualTo(3);
      assertThat(summary.path("pods").path("ratings-v1-0").asInt()).isEqualTo(3);
    } finally {
      servers.forEach(Commands::kill);
    }
  }

  private static Process serve(Path script, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("python3", script.toString(), "serve"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    return builder.start();
  }

  /** {@code bookinfo.py} as the ConfigMap of samples/bookinfo/app.yaml holds it. */
  static String program() throws IOException {
    List<String> errors = new ArrayList<>();
    ManifestReader.Result read =
        new ManifestReader()
            .read(ManifestReader.sources(List.of(MeshCli.samples("bookinfo/app.yaml")), errors));
    assertThat(errors).isEmpty();
    KubeObject configMap = read.objects().getFirst();
    return configMap.body().path("data").path("bookinfo.py").asText();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
