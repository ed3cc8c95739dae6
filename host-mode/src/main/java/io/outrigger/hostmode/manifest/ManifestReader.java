package io.outrigger.hostmode.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads manifests as {@code kubectl apply -f} does: files or directories (their {@code .yaml},
 * {@code .yml} and {@code .json} files, recursively, in name order), several documents per file.
 * Files are limited in size and nesting depth; a file that is not YAML is one error and contributes
 * nothing.
 */
public final class ManifestReader {
  static final long MAX_FILE_BYTES = 4L * 1024 * 1024;
  static final int MAX_DEPTH = 64;
  static final int MAX_FILES = 1000;
  private static final Set<String> NAMESPACED_NOT = Set.of("Namespace");

  private final YAMLMapper yaml =
      new YAMLMapper(
          YAMLFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
              .build());

  /** Objects and the errors of what could not be read. */
  public record Result(List<KubeObject> objects, List<String> errors) {}

  /** A named text, as the CLI sends it to the supervisor. */
  public record Source(String name, String text) {}

  /** Reads every file the paths name into sources (the text as is); unreadable paths are errors. */
  public static List<Source> sources(List<Path> paths, List<String> errors) {
    List<Source> out = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        errors.add(path + ": no such file or directory");
        continue;
      }
      List<Path> files;
      try (Stream<Path> walk = Files.walk(path)) {
        files =
            walk.filter(Files::isRegularFile)
                .filter(ManifestReader::isManifest)
                .sorted()
                .limit(MAX_FILES + 1)
                .toList();
      } catch (IOException e) {
        errors.add(path + ": cannot read: " + e.getMessage());
        continue;
      }
      if (files.size() > MAX_FILES) {
        errors.add(path + ": more than " + MAX_FILES + " manifest files");
        continue;
      }
      if (files.isEmpty()) {
        errors.add(path + ": no .yaml, .yml or .json manifest in it");
      }
      for (Path file : files) {
        try {
          if (Files.size(file) > MAX_FILE_BYTES) {
            errors.add(file + ": larger than " + MAX_FILE_BYTES / 1024 / 1024 + " MiB");
          } else {
            out.add(new Source(file.toString(), Files.readString(file)));
          }
        } catch (IOException e) {
          errors.add(file + ": cannot read: " + e.getMessage());
        }
      }
    }
    return out;
  }

  private static boolean isManifest(Path file) {
    String name = file.getFileName().toString();
    return !name.startsWith(".")
        && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  public Result read(List<Source> sources) {
    List<KubeObject> objects = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (Source source : sources) {
      read(source, objects, errors);
    }
    return new Result(objects, errors);
  }

  private void read(Source source, List<KubeObject> objects, List<String> errors) {
    if (source.text().length() > MAX_FILE_BYTES) {
      errors.add(source.name() + ": larger than " + MAX_FILE_BYTES / 1024 / 1024 + " MiB");
      return;
    }
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(source.text())) {
      while (it.hasNextValue()) {
        docs.add(it.nextValue());
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      errors.add(
          source.name()
              + (at == null ? "" : " line " + at.getLineNr())
              + ": not valid YAML: "
              + e.getOriginalMessage()
                  .lines()
                  .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                  .reduce((a, b) -> a + ": " + b)
                  .orElse(""));
      return;
    } catch (IOException | RuntimeException e) {
      errors.add(source.name() + ": not valid YAML: " + e.getMessage());
      return;
    }
    int index = 0;
    for (JsonNode doc : docs) {
      index++;
      if (doc == null || doc.isNull() || doc.isMissingNode()) {
        continue;
      }
      String where = source.name() + " document " + index;
      if (!(doc instanceof ObjectNode object)) {
        errors.add(where + ": not a Kubernetes object (a mapping with apiVersion and kind)");
        continue;
      }
      String apiVersion = object.path("apiVersion").asText("");
      String kind = object.path("kind").asText("");
      String name = object.path("metadata").path("name").asText("");
      if (apiVersion.isEmpty() || kind.isEmpty()) {
        errors.add(where + ": has no apiVersion or kind");
        continue;
      }
      if (name.isEmpty()) {
        errors.add(kind + " (unnamed) in " + where + ": metadata.name is missing");
        continue;
      }
      String namespace =
          NAMESPACED_NOT.contains(kind)
              ? ""
              : object.path("metadata").path("namespace").asText("default");
      objects.add(new KubeObject(apiVersion, kind, namespace, name, object, where));
    }
  }
}
