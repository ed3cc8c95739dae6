package io.outrigger.controlplane.registry.file;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.controlplane.registry.MeshRegistry;
import io.outrigger.controlplane.registry.Registry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The embedded registry: one {@link YamlDirectory}, watched and reloaded. A file that is not valid
 * YAML keeps its previous objects in force; an invalid object keeps its last good version (see
 * {@link MeshAssembler}); both are reported in {@link MeshConfig#errors()}.
 */
public final class FileRegistry implements Registry {
  /**
   * How long the directory must stay quiet before a reload by default. Short on purpose: it only
   * coalesces the bursts of events one write makes (an editor's write-rename, a copy in chunks). It
   * is not what keeps a half-written file away from proxies: every listener-driven push waits for
   * the push debounce (100 ms of quiet by default) after the last reload and then reads the newest
   * snapshot, so a reload of a partial file is superseded before anything is sent. A longer settle
   * would only add to every change's convergence time.
   */
  public static final Duration DEFAULT_SETTLE = Duration.ofMillis(20);

  private final YamlDirectory directory;
  private final MeshRegistry registry;

  /**
   * @param settle how long the directory must stay quiet before a reload (see {@link
   *     #DEFAULT_SETTLE})
   */
  public FileRegistry(Path directory, Duration settle) {
    this.directory = new YamlDirectory(directory, settle);
    this.registry = new MeshRegistry(List.of(this.directory));
  }

  public FileRegistry(Path directory) {
    this(directory, DEFAULT_SETTLE);
  }

  @Override
  public MeshConfig current() {
    return registry.current();
  }

  @Override
  public void addListener(Consumer<MeshConfig> listener) {
    registry.addListener(listener);
  }

  @Override
  public void start() {
    registry.start();
  }

  /** Reads the whole directory again and publishes a new snapshot if anything in force changed. */
  public void reload() {
    directory.read();
    registry.assemble();
  }

  @Override
  public void close() {
    registry.close();
  }
}
