package io.outrigger.controlplane.testing;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.file.FileRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The bookinfo-like mesh of src/test/resources/bookinfo, read through the real file registry. */
public final class MeshFixtures {
  private static final List<String> BOOKINFO_FILES =
      List.of("services.yaml", "workloads.yaml", "istio.yaml");

  private MeshFixtures() {}

  /** Copies the bookinfo YAML files into {@code dir} so a test may edit them. */
  public static Path copyBookinfo(Path dir) {
    try {
      for (String name : BOOKINFO_FILES) {
        try (InputStream in = MeshFixtures.class.getResourceAsStream("/bookinfo/" + name)) {
          if (in == null) {
            throw new IllegalStateException("test resource /bookinfo/" + name + " is missing");
          }
          Files.copy(in, dir.resolve(name));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the bookinfo fixture to " + dir, e);
    }
  }

  /**
   * Edits a fixture file in place; fails when {@code from} is not in it, so a stale edit cannot
   * pass silently.
   */
  public static void replace(Path dir, String file, String from, String to) {
    try {
      Path path = dir.resolve(file);
      String text = Files.readString(path);
      if (!text.contains(from)) {
        throw new AssertionError("fixture " + file + " does not contain \"" + from + "\"");
      }
      Files.writeString(path, text.replace(from, to));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot edit fixture " + file, e);
    }
  }

  /** Loads a registry directory once, without watching it. */
  public static MeshConfig load(Path dir) {
    FileRegistry registry = new FileRegistry(dir);
    registry.reload();
    return registry.current();
  }

  /**
   * Bookinfo with the Istio config of test resource {@code /<topic>/<scenario>/istio.yaml} in place
   * of its own, plus {@code extraYaml} (when not empty), in a new directory of {@code tempDir}.
   */
  public static Path bookinfoScenario(
      Path tempDir, String topic, String scenario, String extraYaml) {
    try {
      Path dir = copyBookinfo(Files.createDirectory(tempDir.resolve(scenario)));
      String config = "/" + topic + "/" + scenario + "/istio.yaml";
      try (InputStream in = MeshFixtures.class.getResourceAsStream(config)) {
        if (in == null) {
          throw new IllegalStateException("test resource " + config + " is missing");
        }
        Files.copy(in, dir.resolve("istio.yaml"), StandardCopyOption.REPLACE_EXISTING);
      }
      if (!extraYaml.isEmpty()) {
        Files.writeString(dir.resolve("extra.yaml"), extraYaml);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write scenario " + scenario + " to " + tempDir, e);
    }
  }

  public static MeshConfig bookinfo(Path tempDir) {
    return load(copyBookinfo(tempDir));
  }
}
