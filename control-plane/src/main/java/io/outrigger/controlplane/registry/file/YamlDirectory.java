package io.outrigger.controlplane.registry.file;

import io.outrigger.controlplane.registry.yaml.InvalidYamlException;
import io.outrigger.controlplane.registry.yaml.YamlFiles;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.ObjectSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory of YAML files (subdirectories included) as a source of config objects, watched and re-read.
 * A file that is not valid YAML keeps its previous objects in force, and is reported as an error.
 */
public final class YamlDirectory implements ObjectSource {
    private static final Logger log = LoggerFactory.getLogger(YamlDirectory.class);

    private final Path directory;
    private final Duration settle;
    private DirectoryWatcher watcher;
    private final Map<Path, Contents> lastReadable = new HashMap<>();
    /** Each readable file's text and objects: a re-read parses only files whose text changed. */
    private final Map<Path, Parsed> lastParsed = new HashMap<>();
    private volatile Contents contents = Contents.empty();

    /** @param settle how long the directory must stay quiet before a re-read (see {@link FileRegistry#DEFAULT_SETTLE}) */
    public YamlDirectory(Path directory, Duration settle) {
        this.directory = directory.toAbsolutePath().normalize();
        this.settle = settle;
    }

    @Override
    public synchronized void start(Runnable onChange) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("file registry " + directory + ": not a directory");
        }
        read();
        watcher = new DirectoryWatcher(directory, settle, () -> {
            read();
            onChange.run();
        });
        watcher.start();
    }

    @Override
    public Contents contents() {
        return contents;
    }

    /** Reads the whole directory again; {@link #contents()} then answers what it holds now. */
    public synchronized void read() {
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        Map<Path, Contents> readable = new LinkedHashMap<>(); // file order decides which duplicate wins
        Map<Path, Parsed> parsed = new HashMap<>();
        for (Path file : configFiles()) {
            String name = directory.relativize(file).toString();
            try {
                String text = YamlFiles.readText(file, name);
                Parsed previous = lastParsed.get(file);
                // Parsing dominates a reload of a large registry, and a change usually touches one file.
                Contents fileContents = previous != null && previous.text().equals(text)
                        ? previous.contents() : YamlFiles.parse(text, name);
                readable.put(file, fileContents);
                parsed.put(file, new Parsed(text, fileContents));
            } catch (InvalidYamlException e) {
                errors.add(new ConfigError("File", "", name, e.getMessage(), ConfigError.Problem.UNPARSEABLE));
                log.warn("event=file_rejected file={} keptPrevious={} reason=\"{}\"", name,
                        lastReadable.containsKey(file), e.getMessage());
                Contents previous = lastReadable.get(file);
                if (previous != null) {
                    readable.put(file, previous);
                }
            } catch (IOException e) {
                // deleted between listing and reading: the next event reloads again
                log.debug("event=file_vanished file={} reason=\"{}\"", name, e.getMessage());
            }
        }
        readable.values().forEach(c -> {
            objects.addAll(c.objects());
            errors.addAll(c.errors());
        });
        lastReadable.clear();
        lastReadable.putAll(readable);
        lastParsed.clear();
        lastParsed.putAll(parsed);
        contents = new Contents(objects, errors);
    }

    private record Parsed(String text, Contents contents) {
    }

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
