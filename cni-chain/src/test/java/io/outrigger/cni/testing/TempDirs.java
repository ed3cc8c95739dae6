package io.outrigger.cni.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

public final class TempDirs {
  private TempDirs() {}

  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * A test class's teardown: closes {@code network} (its pods and netns), then deletes {@code
   * work}, even if closing failed; either may be null (setup failed before it).
   */
  public static void closeThenDelete(AutoCloseable network, Path work) throws Exception {
    try {
      if (network != null) {
        network.close();
      }
    } finally {
      if (work != null) {
        delete(work);
      }
    }
  }
}
