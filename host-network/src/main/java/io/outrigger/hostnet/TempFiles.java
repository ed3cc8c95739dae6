package io.outrigger.hostnet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes the temp directories the harness creates. */
public final class TempFiles {

  private static final Logger LOG = LoggerFactory.getLogger(TempFiles.class);

  private TempFiles() {}

  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      tree.sorted(Comparator.reverseOrder()).forEach(TempFiles::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("event=cleanup_failed path={} reason={}", dir, e.getMessage());
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("event=cleanup_failed path={} reason={}", path, e.getMessage());
    }
  }
}
