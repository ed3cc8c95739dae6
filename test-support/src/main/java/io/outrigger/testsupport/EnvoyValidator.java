package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Runs the real {@code envoy --mode validate}: Envoy parses the config, resolves every extension
 * and checks cross references exactly as it would at start, without binding ports or connecting
 * anywhere.
 */
public final class EnvoyValidator {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private EnvoyValidator() {}

  /**
   * Throws an AssertionError carrying Envoy's output when Envoy rejects this bootstrap (YAML or
   * JSON).
   */
  public static void validateBootstrap(String bootstrapYamlOrJson) {
    Path envoy = Prerequisites.requireEnvoy();
    Path dir = null;
    try {
      dir = Files.createTempDirectory("outrigger-validate-");
      // YAML is a superset of JSON, so one extension serves both.
      Path config = Files.writeString(dir.resolve("bootstrap.yaml"), bootstrapYamlOrJson);
      ExecResult result =
          Commands.run(
              List.of(
                  envoy.toString(),
                  "--mode",
                  "validate",
                  "-c",
                  config.toString(),
                  "--disable-hot-restart",
                  "-l",
                  "warn"),
              Map.of(),
              null,
              TIMEOUT);
      if (!result.succeeded()) {
        throw new AssertionError(
            "Envoy rejected the bootstrap (envoy --mode validate exit code "
                + result.exitCode()
                + "):\n"
                + result.stdout()
                + result.stderr()
                + "\n--- bootstrap ---\n"
                + bootstrapYamlOrJson);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a bootstrap to validate", e);
    } finally {
      TempFiles.deleteRecursively(dir);
    }
  }

  /**
   * Validates a set of xDS resources (Listener, Cluster, ClusterLoadAssignment, RouteConfiguration,
   * Secret) as Envoy would hold them together: wrapped into a static bootstrap where EDS clusters
   * get their given assignments, RDS references are inlined from the given route configurations,
   * and SDS references are served by the given secrets. A reference to a resource missing from the
   * set fails the validation.
   */
  public static void validateResources(Collection<? extends Message> resources) {
    validateBootstrap(staticBootstrap(resources));
  }

  /** The static bootstrap {@link #validateResources} validates, as JSON. */
  public static String staticBootstrap(Collection<? extends Message> resources) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode bootstrap = new StaticResourceBootstrap(resources).toJson(json);
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(bootstrap);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot print the static bootstrap", e);
    }
  }
}
