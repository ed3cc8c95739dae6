package io.outrigger.controlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.testsupport.EnvoyTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Golden files of generated config, in src/test/resources/golden. Regenerate them all with {@code
 * ./mvnw -pl control-plane verify -Dgolden.update=true} and review the diff like code.
 */
public final class Goldens {
  private static final Path ROOT = Path.of("src/test/resources/golden");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private static final Map<String, String> TYPE_NAMES =
      Map.of(
          ProxyResources.LISTENER,
          "listeners",
          ProxyResources.ROUTE,
          "routes",
          ProxyResources.CLUSTER,
          "clusters",
          ProxyResources.ENDPOINT,
          "endpoints");

  private Goldens() {}

  /** Resources as JSON, by type then name, each with its version; Envoy's own field names. */
  public static String render(ProxyResources resources) {
    ObjectNode root = JSON.createObjectNode();
    for (Map.Entry<String, String> type : new TreeMap<>(TYPE_NAMES).entrySet()) {
      ObjectNode byName = root.putObject(type.getValue());
      new TreeMap<>(resources.resources(type.getKey()))
          .forEach((name, r) -> byName.set(name, node(r)));
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void assertMatches(String relativePath, String actual) {
    Path file = ROOT.resolve(relativePath);
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual);
        return;
      }
      assertThat(file)
          .as("golden %s is missing; run with -Dgolden.update=true to create it", file)
          .exists();
      assertThat(actual)
          .as(
              "generated config differs from golden %s "
                  + "(rerun with -Dgolden.update=true and review the diff)",
              file)
          .isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot access golden " + file, e);
    }
  }

  private static JsonNode node(VersionedResource r) {
    try {
      ObjectNode node = JSON.createObjectNode();
      node.put("version", r.version());
      node.set("resource", JSON.readTree(EnvoyTypes.printer().print(r.resource())));
      return node;
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("cannot print " + r.name(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
