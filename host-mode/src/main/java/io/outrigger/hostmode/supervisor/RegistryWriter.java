package io.outrigger.hostmode.supervisor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The control plane's file registry directory, as the supervisor feeds it: one file per object
 * (Services with their VIP, Istio config, Pods with their status), each replaced atomically, so the
 * registry's watcher never reads half a file.
 */
final class RegistryWriter {
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Path dir;
  private final Set<String> written = new HashSet<>();

  RegistryWriter(Path dir) {
    this.dir = dir;
  }

  synchronized void write(String kind, String namespace, String name, ObjectNode body) {
    String file = fileName(kind, namespace, name);
    try {
      Path tmp = Files.createTempFile(dir.getParent(), ".registry-", ".tmp");
      Files.writeString(tmp, YAML.writeValueAsString(body));
      Files.move(
          tmp,
          dir.resolve(file),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      written.add(file);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write " + kind + " " + namespace + "/" + name + " as YAML", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write registry file " + dir.resolve(file), e);
    }
  }

  synchronized void remove(String kind, String namespace, String name) {
    String file = fileName(kind, namespace, name);
    try {
      Files.deleteIfExists(dir.resolve(file));
      written.remove(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete registry file " + dir.resolve(file), e);
    }
  }

  /** Removes every file not in {@code keep} (kind, namespace, name triples as file names). */
  synchronized void retainOnly(Set<String> keep) {
    for (String file : Set.copyOf(written)) {
      if (!keep.contains(file)) {
        try {
          Files.deleteIfExists(dir.resolve(file));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete registry file " + dir.resolve(file), e);
        }
        written.remove(file);
      }
    }
  }

  static String fileName(String kind, String namespace, String name) {
    return kind.toLowerCase() + "." + namespace + "." + name + ".yaml";
  }
}
