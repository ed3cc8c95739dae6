package io.outrigger.controlplane.registry.file;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.controlplane.registry.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The embedded registry: a directory of YAML files (subdirectories included), watched and reloaded.
 * A file that is not valid YAML keeps its previous objects in force; an invalid object keeps its last good
 * version (see {@link MeshAssembler}); both are reported in {@link MeshConfig#errors()}.
 */
public final class FileRegistry implements Registry {
    private static final Logger log = LoggerFactory.getLogger(FileRegistry.class);

    private final Path directory;
    private final DirectoryWatcher watcher;
    private final MeshAssembler assembler = new MeshAssembler();
    private final List<Consumer<MeshConfig>> listeners = new CopyOnWriteArrayList<>();
    private final Map<Path, YamlFiles.Contents> lastReadable = new HashMap<>();
    /** Each readable file's text and objects: a reload re-parses only files whose text changed. */
    private final Map<Path, Parsed> lastParsed = new HashMap<>();
    private volatile MeshConfig current = MeshConfig.empty();

    /**
     * How long the directory must stay quiet before a reload by default. Short on purpose: it only
     * coalesces the bursts of events one write makes (an editor's write-rename, a copy in chunks). It
     * is not what keeps a half-written file away from proxies: every listener-driven push waits for the
     * push debounce (100 ms of quiet by default) after the last reload and then reads the newest
     * snapshot, so a reload of a partial file is superseded before anything is sent. A longer settle
     * would only add to every change's convergence time.
     */
    public static final Duration DEFAULT_SETTLE = Duration.ofMillis(20);

    /** @param settle how long the directory must stay quiet before a reload (see {@link #DEFAULT_SETTLE}) */
    public FileRegistry(Path directory, Duration settle) {
        this.directory = directory.toAbsolutePath().normalize();
        this.watcher = new DirectoryWatcher(this.directory, settle, this::reload);
    }

    public FileRegistry(Path directory) {
        this(directory, DEFAULT_SETTLE);
    }

    @Override
    public MeshConfig current() {
        return current;
    }

    @Override
    public void addListener(Consumer<MeshConfig> listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("file registry " + directory + ": not a directory");
        }
        reload();
        watcher.start();
        log.info("event=file_registry_started dir={} version={}", directory, current.version());
    }

    /** Reads the whole directory again and publishes a new snapshot if anything in force changed. */
    public synchronized void reload() {
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        Map<Path, YamlFiles.Contents> readable = new LinkedHashMap<>(); // file order decides which duplicate wins
        Map<Path, Parsed> parsed = new HashMap<>();
        for (Path file : configFiles()) {
            String name = directory.relativize(file).toString();
            try {
                String text = YamlFiles.read(file, name);
                Parsed previous = lastParsed.get(file);
                // Parsing dominates a reload of a large registry, and a change usually touches one file.
                YamlFiles.Contents contents = previous != null && previous.text().equals(text)
                        ? previous.contents() : YamlFiles.parse(text, name);
                readable.put(file, contents);
                parsed.put(file, new Parsed(text, contents));
            } catch (InvalidYamlException e) {
                errors.add(new ConfigError("File", "", name, e.getMessage()));
                log.warn("event=file_rejected file={} keptPrevious={} reason=\"{}\"", name,
                        lastReadable.containsKey(file), e.getMessage());
                YamlFiles.Contents previous = lastReadable.get(file);
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
        publish(assembler.assemble(objects, errors));
    }

    private record Parsed(String text, YamlFiles.Contents contents) {
    }

    private void publish(MeshConfig next) {
        if (next == current || next.version() == current.version()) {
            return; // nothing in force changed (an empty directory assembles to version 0, like the initial state)
        }
        current = next;
        for (Consumer<MeshConfig> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                log.error("event=registry_listener_failed version={} error=\"{}\"", next.version(), e.toString(), e);
            }
        }
    }

    private List<Path> configFiles() {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(this::notHidden)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("file registry " + directory + ": cannot list files", e);
        }
    }

    /**
     * Hidden files and directories are skipped: a Kubernetes ConfigMap volume keeps the real files in a
     * hidden {@code ..<timestamp>} directory behind symlinks, which would otherwise be read twice.
     */
    private boolean notHidden(Path file) {
        for (Path part : directory.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        watcher.close();
    }
}
