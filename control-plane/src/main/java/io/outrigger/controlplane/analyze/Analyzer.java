package io.outrigger.controlplane.analyze;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.controlplane.registry.ObjectKey;
import io.outrigger.controlplane.registry.yaml.InvalidYamlException;
import io.outrigger.controlplane.registry.yaml.YamlFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code outrigger analyze}: reads Kubernetes and Istio YAML as the file registry does and
 * assembles it with the control plane's own {@link MeshAssembler}, so every object the control
 * plane would reject is an error here with the same reason; then {@link MeshChecks} adds what the
 * control plane accepts but that is likely a mistake (selectors matching nothing, conflicting
 * rules, fields without effect).
 */
public final class Analyzer {
  /** Far above any hand-written manifest; a larger file is not config. */
  static final long MAX_FILE_BYTES = 8L * 1024 * 1024;

  static final int MAX_FILES = 10_000;

  /** What was analyzed and what was found, most severe first. */
  public record Report(List<Finding> findings, int objects, int files) {
    public boolean hasErrors() {
      return findings.stream().anyMatch(f -> f.code().severity() == FindingCode.Severity.ERROR);
    }
  }

  private Analyzer() {}

  /**
   * @param paths files or directories (read recursively: *.yaml and *.yml, hidden ones skipped)
   * @throws UncheckedIOException naming a path that cannot be read
   */
  public static Report analyze(List<Path> paths) {
    List<ConfigObject> objects = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    List<JsonNode> others = new ArrayList<>();
    List<Path> files = files(paths);
    for (Path file : files) {
      String text = read(file);
      try {
        YamlFiles.Documents contents = YamlFiles.read(text, file.toString());
        objects.addAll(contents.objects());
        errors.addAll(contents.errors());
        others.addAll(contents.others());
      } catch (InvalidYamlException e) {
        errors.add(
            new ConfigError(
                "File", "", file.toString(), e.getMessage(), ConfigError.Problem.UNPARSEABLE));
      } catch (IOException e) {
        throw new UncheckedIOException("manifest " + file + ": cannot read", e);
      }
    }
    MeshConfig mesh = new MeshAssembler(false).assemble(objects, errors);
    Map<ObjectKey, ConfigObject> firstOfEach = new LinkedHashMap<>();
    objects.forEach(o -> firstOfEach.putIfAbsent(o.key(), o));

    List<Finding> findings = new ArrayList<>();
    for (ConfigError e : mesh.errors()) {
      ConfigObject object = firstOfEach.get(new ObjectKey(e.kind(), e.namespace(), e.name()));
      findings.add(
          new Finding(
              FindingCode.of(e.problem()),
              e.kind(),
              e.namespace(),
              e.name(),
              e.reason(),
              object != null ? object.source() : "File".equals(e.kind()) ? e.name() : ""));
    }
    findings.addAll(new MeshChecks(mesh, List.copyOf(firstOfEach.values()), others).findings());
    findings.sort(
        Comparator.comparing((Finding f) -> f.code().severity())
            .thenComparing(Finding::kind)
            .thenComparing(Finding::namespace)
            .thenComparing(Finding::name)
            .thenComparing(f -> f.code().code())
            .thenComparing(Finding::message));
    return new Report(List.copyOf(findings), objects.size() + others.size(), files.size());
  }

  private static List<Path> files(List<Path> paths) {
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        files.addAll(YamlFiles.configFiles(path));
      } else if (Files.exists(path)) {
        files.add(path);
      } else {
        throw new UncheckedIOException(
            "manifest " + path + ": cannot read",
            new java.nio.file.NoSuchFileException(path.toString()));
      }
      if (files.size() > MAX_FILES) {
        throw new IllegalArgumentException("more than " + MAX_FILES + " YAML files under " + paths);
      }
    }
    return files;
  }

  private static String read(Path file) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            "manifest " + file + ": larger than " + MAX_FILE_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("manifest " + file + ": cannot read", e);
    }
  }
}
