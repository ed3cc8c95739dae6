package io.outrigger.cni.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden/}. Regenerate them with {@code
 * -Doutrigger.golden.update=true} (see docs/cni.md) and review the diff like code.
 */
public final class Golden {
  private Golden() {}

  public static void assertMatches(String relativePath, String actual) {
    Path file =
        Path.of(System.getProperty("basedir", "."), "src/test/resources/golden", relativePath);
    try {
      if (Boolean.getBoolean("outrigger.golden.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(file)
          .as("golden file %s is missing; regenerate with -Doutrigger.golden.update=true", file)
          .exists();
      assertThat(actual)
          .as("golden file %s", relativePath)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
