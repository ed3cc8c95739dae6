package io.outrigger.injector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden/}. Run the tests with {@code
 * -Dgolden.update=true} to rewrite them from the current output, then review the diff like code.
 */
public final class Golden {

  private static final Path ROOT = Path.of("src", "test", "resources", "golden");

  private Golden() {}

  public static boolean updating() {
    return Boolean.getBoolean("golden.update");
  }

  /** Asserts that {@code actual} equals the golden file, or rewrites the file when updating. */
  public static void assertMatches(String relativePath, String actual) {
    Path file = ROOT.resolve(relativePath);
    try {
      if (updating()) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(file)
          .as("golden file %s is missing: run the tests with -Dgolden.update=true", file)
          .exists();
      assertThat(actual)
          .as("output differs from golden file %s (regenerate with -Dgolden.update=true)", file)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("golden file " + file, e);
    }
  }

  /** Reads a golden input file (pod shapes, AdmissionReviews). */
  public static String read(String relativePath) {
    try {
      return Files.readString(ROOT.resolve(relativePath), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("golden file " + ROOT.resolve(relativePath), e);
    }
  }

  public static Path root() {
    return ROOT;
  }
}
