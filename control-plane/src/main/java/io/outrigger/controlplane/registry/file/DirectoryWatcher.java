package io.outrigger.controlplane.registry.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@code onChange} once a watched directory tree has been quiet for {@code settle} after a
 * change (or after 10 settles of continuous writing), so an editor's write-rename dance or a
 * half-copied file is read once, whole. The directory itself may be replaced (renamed away and
 * another renamed into its place, as tools that swap a whole tree do): its parent is watched for
 * that name, and the new tree is watched from then on. {@link #recheckIn} asks for one more call
 * without a change (a file held back as being written is looked at again).
 */
final class DirectoryWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);
  private static final int MAX_SETTLES = 10;

  private final Path root;
  private final Duration settle;
  private final Runnable onChange;
  private WatchService service;
  private WatchKey parentKey;
  private Thread thread;

  /** {@link System#nanoTime} of a requested recheck, or 0 for none. */
  private volatile long recheckAt;

  DirectoryWatcher(Path root, Duration settle, Runnable onChange) {
    this.root = root;
    this.settle = settle;
    this.onChange = onChange;
  }

  synchronized void start() {
    try {
      service = FileSystems.getDefault().newWatchService();
      Path parent = root.getParent();
      if (parent != null) {
        parentKey =
            parent.register(
                service,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE);
      }
      registerTree(root);
    } catch (IOException e) {
      throw new IllegalStateException(
          "file registry " + root + ": cannot watch directory: " + e.getMessage(), e);
    }
    thread = Thread.ofPlatform().daemon().name("file-registry-watch").start(this::loop);
  }

  /**
   * One more {@code onChange} after {@code delay} even if nothing changes (the earliest request
   * wins).
   */
  void recheckIn(Duration delay) {
    long at = System.nanoTime() + delay.toNanos();
    long current = recheckAt;
    if (current == 0 || at < current) {
      recheckAt = at;
    }
  }

  private void registerTree(Path dir) throws IOException {
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        d.register(
            service,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      }
    } catch (NoSuchFileException e) {
      // Replaced right now: the rename of the new tree into place is an event of the parent.
      log.info(
          "event=file_registry_dir_missing dir={} note=\"watching for it to come back\"", root);
    }
  }

  private void loop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        if (!awaitChange()) {
          continue;
        }
        for (int i = 0; i < MAX_SETTLES; i++) {
          WatchKey more = service.poll(settle.toMillis(), TimeUnit.MILLISECONDS);
          if (more == null) {
            break;
          }
          drain(more);
        }
        registerTree(
            root); // picks up new subdirectories and a replaced root; a no-op for known ones
        reloadSafely();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.error("event=file_registry_watch_failed dir={} error=\"{}\"", root, e.toString(), e);
    }
  }

  /** Waits for an event of the tree (or of the root's name in its parent), or for a due recheck. */
  private boolean awaitChange() throws InterruptedException {
    long at = recheckAt;
    WatchKey key =
        at == 0
            ? service.take()
            : service.poll(Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (key == null) {
      recheckAt = 0;
      return true;
    }
    return drain(key);
  }

  private void reloadSafely() {
    // A failing reload must not end the watch: the next change gets another chance.
    try {
      onChange.run();
    } catch (RuntimeException e) {
      log.error("event=file_registry_reload_failed dir={} error=\"{}\"", root, e.toString(), e);
    }
  }

  /** Consumes the key's events; false when they are only of the parent's other entries. */
  private boolean drain(WatchKey key) {
    boolean relevant = key != parentKey;
    for (WatchEvent<?> event : key.pollEvents()) {
      relevant |=
          root.getFileName().equals(event.context())
              || event.kind() == StandardWatchEventKinds.OVERFLOW;
    }
    key.reset();
    return relevant;
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
