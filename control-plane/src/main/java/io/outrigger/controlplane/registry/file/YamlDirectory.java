package io.outrigger.controlplane.registry.file;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.ObjectSource;
import io.outrigger.controlplane.registry.yaml.InvalidYamlException;
import io.outrigger.controlplane.registry.yaml.YamlFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of YAML files (subdirectories included) as a source of config objects, watched and
 * re-read. A file that is not valid YAML keeps its previous objects in force, and is reported as an
 * error. A file read before that now does not end with a line break and was modified less than
 * {@link #WRITE_GRACE} ago is taken as still being written (a writer cut off mid-line, or one that
 * truncated the file and has not written it yet): its previous objects stay in force until it ends
 * with a line break or has been left so for the grace. A cut inside a line can otherwise read as
 * valid YAML with another value ({@code 198.19.0.13} cut to {@code 198.19.0.1}). The directory
 * missing (replaced right now) keeps everything in force.
 */
public final class YamlDirectory implements ObjectSource {
  private static final Logger log = LoggerFactory.getLogger(YamlDirectory.class);

  /** How long a file without a final line break is held back as being written. */
  public static final Duration WRITE_GRACE = Duration.ofSeconds(5);

  private final Path directory;
  private final Duration settle;
  private DirectoryWatcher watcher;
  private final Map<Path, Contents> lastReadable = new HashMap<>();

  /** Each readable file's text and objects: a re-read parses only files whose text changed. */
  private final Map<Path, Parsed> lastParsed = new HashMap<>();

  private volatile Contents contents = Contents.empty();

  /**
   * @param settle how long the directory must stay quiet before a re-read (see {@link
   *     FileRegistry#DEFAULT_SETTLE})
   */
  public YamlDirectory(Path directory, Duration settle) {
    this.directory = directory.toAbsolutePath().normalize();
    this.settle = settle;
  }

  @Override
  public synchronized void start(Runnable onChange) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("file registry " + directory + ": not a directory");
    }
    boolean held = read();
    watcher =
        new DirectoryWatcher(
            directory,
            settle,
            () -> {
              if (read()) {
                watcher.recheckIn(WRITE_GRACE);
              }
              onChange.run();
            });
    watcher.start();
    if (held) {
      watcher.recheckIn(WRITE_GRACE);
    }
  }

  @Override
  public Contents contents() {
    return contents;
  }

  /**
   * Reads the whole directory again; {@link #contents()} then answers what it holds now.
   *
   * @return whether a file was held back as being written (read again after {@link #WRITE_GRACE})
   */
  public synchronized boolean read() {
    if (!Files.isDirectory(directory)) {
      log.warn("event=file_registry_dir_missing dir={} keptPrevious=true", directory);
      return false;
    }
    boolean held = false;
    List<ConfigObject> objects = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    Map<Path, Contents> readable = new LinkedHashMap<>(); // file order decides which duplicate wins
    Map<Path, Parsed> parsed = new HashMap<>();
    for (Path file : configFiles()) {
      String name = directory.relativize(file).toString();
      try {
        String text = YamlFiles.readText(file, name);
        if (lastReadable.containsKey(file) && beingWritten(file, text)) {
          held = true;
          log.info(
              "event=file_held_as_being_written file={} bytes={} keptPrevious={} grace_ms={}",
              name,
              text.length(),
              lastReadable.containsKey(file),
              WRITE_GRACE.toMillis());
          Contents previous = lastReadable.get(file);
          if (previous != null) {
            readable.put(file, previous);
          }
          if (lastParsed.containsKey(file)) {
            parsed.put(file, lastParsed.get(file));
          }
          continue;
        }
        Parsed previous = lastParsed.get(file);
        // Parsing dominates a reload of a large registry, and a change usually touches one file.
        Contents fileContents =
            previous != null && previous.text().equals(text)
                ? previous.contents()
                : YamlFiles.parse(text, name);
        readable.put(file, fileContents);
        parsed.put(file, new Parsed(text, fileContents));
      } catch (InvalidYamlException e) {
        errors.add(
            new ConfigError("File", "", name, e.getMessage(), ConfigError.Problem.UNPARSEABLE));
        log.warn(
            "event=file_rejected file={} keptPrevious={} reason=\"{}\"",
            name,
            lastReadable.containsKey(file),
            e.getMessage());
        Contents previous = lastReadable.get(file);
        if (previous != null) {
          readable.put(file, previous);
        }
      } catch (IOException e) {
        // deleted between listing and reading: the next event reloads again
        log.debug("event=file_vanished file={} reason=\"{}\"", name, e.getMessage());
      }
    }
    readable
        .values()
        .forEach(
            c -> {
              objects.addAll(c.objects());
              errors.addAll(c.errors());
            });
    lastReadable.clear();
    lastReadable.putAll(readable);
    lastParsed.clear();
    lastParsed.putAll(parsed);
    contents = new Contents(objects, errors);
    return held;
  }

  private static boolean beingWritten(Path file, String text) throws IOException {
    if (text.endsWith("\n")) {
      return false;
    }
    Instant modified = Files.getLastModifiedTime(file).toInstant();
    return modified.isAfter(Instant.now().minus(WRITE_GRACE));
  }

  private record Parsed(String text, Contents contents) {}

  private List<Path> configFiles() {
    return YamlFiles.configFiles(directory);
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.close();
    }
  }

  @Override
  public String toString() {
    return "file:" + directory;
  }
}
