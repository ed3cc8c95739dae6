package io.outrigger.cni.install;

import io.outrigger.cni.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A node's CNI configuration directory, read the way libcni reads it. */
final class ConfDir {
  private final Path dir;

  ConfDir(Path dir) {
    this.dir = dir;
  }

  Path path() {
    return dir;
  }

  /**
   * The network the runtime uses: the lexicographically first {@code .conflist} or {@code .conf}
   * file.
   */
  Optional<Path> primary() {
    return configFiles().stream().findFirst();
  }

  List<Path> configFiles() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> isConfig(p) && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "CNI conf dir " + dir + ": cannot list it: " + e.getMessage(), e);
    }
  }

  static boolean isConfig(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".conflist") || name.endsWith(".conf");
  }

  Map<String, Object> read(Path file) {
    try {
      return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("CNI config " + file + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "CNI config " + file + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Writes via a temporary file and a rename, so the runtime never reads half a file. */
  void write(Path file, Object json) {
    writeText(file, Json.writePretty(json));
  }

  void writeText(Path file, String text) {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".outrigger-tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("CNI config " + file + ": cannot write: " + e.getMessage(), e);
    }
  }
}
