package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry the control plane runs: the objects of one or more {@link ObjectSource}s (a YAML
 * directory, the Kubernetes API) assembled into one {@link MeshConfig}. An object defined by two
 * sources is a config error, the first source's one is used. Changes are coalesced: however many
 * events arrive while a model is being assembled, one more assembly follows, on this registry's own
 * thread.
 */
public final class MeshRegistry implements Registry {
  private static final Logger log = LoggerFactory.getLogger(MeshRegistry.class);

  private final List<ObjectSource> sources;
  private final MeshAssembler assembler = new MeshAssembler();
  private final List<Consumer<MeshConfig>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final ExecutorService assembly =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().daemon().name("registry-assemble").factory());
  private volatile MeshConfig current = MeshConfig.empty();

  public MeshRegistry(List<ObjectSource> sources) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("registry: no source");
    }
    this.sources = List.copyOf(sources);
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
    for (ObjectSource source : sources) {
      source.start(this::changed);
    }
    assemble();
    log.info("event=registry_started sources=\"{}\" version={}", sources, current.version());
  }

  /** A source changed: assemble again soon, once for any number of calls made meanwhile. */
  private void changed() {
    if (!pending.getAndSet(true)) {
      try {
        assembly.execute(
            () -> {
              pending.set(false);
              assembleSafely();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.debug("event=registry_change_after_close");
      }
    }
  }

  private void assembleSafely() {
    try {
      assemble();
    } catch (RuntimeException e) {
      // The model in force stays; the next change gets another chance.
      log.error("event=registry_assemble_failed error=\"{}\"", e.toString(), e);
    }
  }

  /** Assembles the sources' objects now and publishes the result if anything in force changed. */
  public synchronized void assemble() {
    long started = System.nanoTime();
    List<ConfigObject> objects = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    for (ObjectSource source : sources) {
      ObjectSource.Contents contents = source.contents();
      objects.addAll(contents.objects());
      errors.addAll(contents.errors());
    }
    MeshConfig next = assembler.assemble(objects, errors);
    log.debug(
        "event=registry_assembled version={} objects={} assemble_ms={}",
        next.version(),
        objects.size(),
        (System.nanoTime() - started) / 1_000_000);
    publish(next);
  }

  private void publish(MeshConfig next) {
    if (next == current || next.version() == current.version()) {
      return; // nothing in force changed (an empty registry assembles to version 0, like the
      // initial state)
    }
    current = next;
    for (Consumer<MeshConfig> listener : listeners) {
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        log.error(
            "event=registry_listener_failed version={} error=\"{}\"",
            next.version(),
            e.toString(),
            e);
      }
    }
  }

  @Override
  public void close() {
    assembly.shutdownNow();
    for (ObjectSource source : sources) {
      source.close();
    }
  }
}
