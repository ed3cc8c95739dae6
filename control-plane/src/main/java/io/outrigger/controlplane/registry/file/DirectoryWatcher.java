package io.outrigger.controlplane.registry.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Calls {@code onChange} once a watched directory tree has been quiet for {@code settle} after a change
 * (or after 10 settles of continuous writing), so an editor's write-rename dance or a half-copied file is
 * read once, whole.
 */
final class DirectoryWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);
    private static final int MAX_SETTLES = 10;

    private final Path root;
    private final Duration settle;
    private final Runnable onChange;
    private WatchService service;
    private Thread thread;

    DirectoryWatcher(Path root, Duration settle, Runnable onChange) {
        this.root = root;
        this.settle = settle;
        this.onChange = onChange;
    }

    synchronized void start() {
        try {
            service = FileSystems.getDefault().newWatchService();
            registerTree(root);
        } catch (IOException e) {
            throw new IllegalStateException("file registry " + root + ": cannot watch directory: " + e.getMessage(), e);
        }
        thread = Thread.ofPlatform().daemon().name("file-registry-watch").start(this::loop);
    }

    private void registerTree(Path dir) throws IOException {
        try (Stream<Path> dirs = Files.walk(dir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
    }

    private void loop() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                drain(service.take());
                for (int i = 0; i < MAX_SETTLES; i++) {
                    WatchKey more = service.poll(settle.toMillis(), TimeUnit.MILLISECONDS);
                    if (more == null) {
                        break;
                    }
                    drain(more);
                }
                registerTree(root); // picks up new subdirectories; re-registering is a no-op for known ones
                reloadSafely();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            log.error("event=file_registry_watch_failed dir={} error=\"{}\"", root, e.toString(), e);
        }
    }

    /** A failing reload must not end the watch: the next change gets another chance. */
    private void reloadSafely() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.error("event=file_registry_reload_failed dir={} error=\"{}\"", root, e.toString(), e);
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.interrupt();
        }
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                log.debug("event=watch_close_failed dir={} error=\"{}\"", root, e.toString());
            }
        }
    }
}
