package io.outrigger.controlplane.registry.yaml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigKind;
import io.outrigger.controlplane.registry.ConfigKinds;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.ObjectKey;
import io.outrigger.controlplane.registry.ObjectSource.Contents;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.injector.yaml.ParserMessages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads one YAML file (several documents allowed) into fabric8 model objects. Kinds the mesh does
 * not use (Deployments, ConfigMaps...: not in {@link ConfigKinds}) are skipped, so a directory of
 * ordinary manifests can be pointed at; {@link #read} hands them back as {@link Documents#others()}
 * for the tools that look at them ({@code outrigger analyze}).
 */
public final class YamlFiles {
  /**
   * Larger files are refused before they are read (docs/limits.md); KubeYaml's limits apply within.
   */
  public static final long MAX_FILE_BYTES = KubeYaml.MAX_CODE_POINTS;

  private static final ObjectMapper YAML =
      KubeYaml.reader().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * What one file held: objects that parsed, errors of the objects that did not, and the documents
   * of kinds the mesh does not read (each a mapping with apiVersion and kind).
   */
  public record Documents(
      List<ConfigObject> objects, List<ConfigError> errors, List<JsonNode> others) {
    /** What a registry takes of it. */
    public Contents contents() {
      return new Contents(objects, errors);
    }
  }

  private YamlFiles() {}

  /**
   * The text of a registry file.
   *
   * @throws InvalidYamlException when it is larger than {@link #MAX_FILE_BYTES}: it is not read at
   *     all
   */
  public static String readText(Path file, String displayName)
      throws IOException, InvalidYamlException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new InvalidYamlException(
          displayName + " is " + size + " bytes, larger than the limit of " + MAX_FILE_BYTES);
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /**
   * @throws InvalidYamlException when {@code text} is not YAML at all; then none of its objects can
   *     be trusted
   */
  public static Contents parse(String text, String displayName)
      throws IOException, InvalidYamlException {
    return read(text, displayName).contents();
  }

  /**
   * As {@link #parse}, also handing back the documents of kinds the mesh does not read.
   *
   * @throws InvalidYamlException when {@code text} is not YAML at all; then none of its objects can
   *     be trusted
   */
  public static Documents read(String text, String displayName)
      throws IOException, InvalidYamlException {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        // An empty document (a trailing "---") reads as null, missing or an empty scalar: not an
        // object.
        if (doc != null
            && !doc.isNull()
            && !doc.isMissingNode()
            && !(doc.isTextual() && doc.asText().isBlank())) {
          documents.add(doc);
        }
      }
    } catch (JsonProcessingException e) {
      throw new InvalidYamlException(
          "invalid YAML in " + displayName + ": " + ParserMessages.oneLine(e.getOriginalMessage()));
    } catch (RuntimeException e) {
      // MappingIterator wraps parse failures of later documents in RuntimeJsonMappingException
      throw new InvalidYamlException(
          "invalid YAML in "
              + displayName
              + ": "
              + ParserMessages.oneLine(
                  e.getCause() instanceof JsonProcessingException j
                      ? j.getOriginalMessage()
                      : e.getMessage()));
    }
    List<ConfigObject> objects = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    List<JsonNode> others = new ArrayList<>();
    for (JsonNode doc : documents) {
      readDocument(doc, displayName, objects, errors, others);
    }
    return new Documents(objects, errors, others);
  }

  private static void readDocument(
      JsonNode doc,
      String source,
      List<ConfigObject> objects,
      List<ConfigError> errors,
      List<JsonNode> others) {
    if (!doc.isObject()) {
      errors.add(
          new ConfigError(
              "File",
              "",
              source,
              "a document is not a mapping with apiVersion and kind",
              ConfigError.Problem.UNPARSEABLE));
      return;
    }
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    String namespace = doc.path("metadata").path("namespace").asText("default");
    Optional<ConfigKind<?>> known = ConfigKinds.of(apiVersion, kind);
    if (known.isEmpty()) {
      if (kind.isEmpty() || apiVersion.isEmpty()) {
        errors.add(
            new ConfigError(
                "File",
                "",
                source,
                "a document has no apiVersion or kind",
                ConfigError.Problem.UNPARSEABLE));
      } else if (ConfigKinds.named(kind).filter(k -> k.inGroup(apiVersion)).isPresent()) {
        errors.add(
            new ConfigError(
                kind,
                namespace,
                name,
                "apiVersion "
                    + apiVersion
                    + " of kind "
                    + kind
                    + " is not supported (in "
                    + source
                    + ")",
                ConfigError.Problem.UNSUPPORTED));
      } else {
        others.add(doc);
      }
      return;
    }
    if (!known.get().namespaced()) {
      namespace = "";
    }
    if (name.isEmpty()) {
      errors.add(
          new ConfigError(
              kind,
              namespace,
              "(unnamed)",
              "metadata.name is missing (in " + source + ")",
              ConfigError.Problem.UNPARSEABLE));
      return;
    }
    try {
      objects.add(
          new ConfigObject(
              new ObjectKey(kind, namespace, name),
              YAML.treeToValue(doc, known.get().type()),
              source));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      errors.add(
          new ConfigError(
              kind, namespace, name, "invalid " + kind + " in " + source + ": " + reason(e)));
    }
  }

  /**
   * The YAML files under {@code directory} that a file registry on it reads, in the order it reads
   * them.
   */
  public static List<Path> configFiles(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> notHidden(directory, f))
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("file registry " + directory + ": cannot list files", e);
    }
  }

  /**
   * Hidden files and directories are skipped: a Kubernetes ConfigMap volume keeps the real files in
   * a hidden {@code ..<timestamp>} directory behind symlinks, which would otherwise be read twice.
   */
  private static boolean notHidden(Path directory, Path file) {
    for (Path part : directory.relativize(file)) {
      if (part.toString().startsWith(".")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Jackson's message, or where the value is when a model's own deserializer failed on a value of
   * the wrong type (its ClassCastException's message names Jackson's classes, not the field; found
   * by RegistryYamlFuzzTest).
   */
  private static String reason(Exception e) {
    if (e instanceof JsonMappingException m
        && m.getCause() instanceof RuntimeException cause
        && !(cause instanceof IllegalArgumentException)) {
      String path =
          m.getPath().stream()
              .map(
                  r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(java.util.stream.Collectors.joining())
              .replaceFirst("^\\.", "");
      return (path.isEmpty() ? "a value" : path)
          + " has the wrong type ("
          + cause.getClass().getSimpleName()
          + ")";
    }
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }
}
