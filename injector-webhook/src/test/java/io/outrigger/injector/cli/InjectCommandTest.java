package io.outrigger.injector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.injector.Golden;
import io.outrigger.injector.GoldenShapes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InjectCommandTest {

  @TempDir Path dir;

  @Test
  void printsTheInjectedManifestAndNotesOnStderr() throws Exception {
    Path manifest =
        Files.writeString(
            dir.resolve("app.yaml"),
            Golden.read("pods/deployment.yaml") + "---\n" + Golden.read("pods/opted-out.yaml"));
    Path config =
        Files.writeString(
            dir.resolve("injector.yaml"),
            "image: registry.example.test/envoy:1.40\nnativeSidecar: \"off\"\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command =
        new CommandLine(new InjectCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));

    int exit = command.execute("-f", manifest.toString(), "--config", config.toString());

    assertThat(exit).isZero();
    JsonNode deployment = GoldenShapes.YAML.readTree(out.toString().split("(?m)^---$")[1]);
    JsonNode sidecar = deployment.at("/spec/template/spec/containers/0");
    assertThat(sidecar.path("name").asText()).isEqualTo("outrigger-proxy");
    assertThat(sidecar.path("image").asText()).isEqualTo("registry.example.test/envoy:1.40");
    assertThat(err.toString())
        .contains("outrigger inject: Deployment bookinfo/reviews-v2 injected")
        .contains("Pod shop/batch-worker skipped");
  }
}
