package io.outrigger.controlplane.meshtarget;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A running host-mode mesh as its supervisor describes it in {@code <state root>/<name>/mesh.json}:
 * where its control plane listens and, per pod, the network namespace its sidecar's admin port
 * lives in. The supervisor writes this file; the inspection commands ({@code proxy-status}, {@code
 * proxy-config}, {@code dashboard}) only read it.
 */
public record HostMesh(String name, String stateDir, ControlPlane controlPlane, List<Pod> pods) {
  /** Overrides {@link #DEFAULT_STATE_ROOT}, e.g. for tests or a mesh run without /run. */
  public static final String STATE_ROOT_ENV = "OUTRIGGER_MESH_STATE";

  public static final Path DEFAULT_STATE_ROOT = Path.of("/run/outrigger/mesh");
  public static final String DEFAULT_NAME = "default";
  public static final String FILE_NAME = "mesh.json";

  /** A mesh of thousands of pods stays far below this; anything larger is not our file. */
  static final long MAX_BYTES = 4L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  /**
   * Addresses of the mesh's control plane: monitoring URL ({@code http://127.0.0.1:PORT}), TLS xDS,
   * gateway IP.
   */
  public record ControlPlane(String monitoring, String xdsTls, String gateway) {}

  /**
   * {@code netns} is a name under /var/run/netns; {@code nodeId} is null for a pod without sidecar.
   */
  public record Pod(
      String namespace,
      String name,
      String ip,
      String netns,
      boolean sidecar,
      String nodeId,
      boolean ready) {}

  public HostMesh {
    pods = List.copyOf(pods);
  }

  /** The state root: {@code $OUTRIGGER_MESH_STATE} when set, else /run/outrigger/mesh. */
  public static Path stateRoot(Map<String, String> env) {
    String value = env.get(STATE_ROOT_ENV);
    return value == null || value.isBlank() ? DEFAULT_STATE_ROOT : Path.of(value);
  }

  public static Path file(Path stateRoot, String meshName) {
    checkName("mesh name", meshName);
    return stateRoot.resolve(meshName).resolve(FILE_NAME);
  }

  /**
   * Reads mesh {@code meshName} under {@code stateRoot}.
   *
   * @throws IllegalArgumentException when there is no such mesh, or its file is not one the
   *     supervisor wrote
   */
  public static HostMesh read(Path stateRoot, String meshName) {
    Path file = file(stateRoot, meshName);
    String text;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            "mesh file " + file + ": larger than " + MAX_BYTES + " bytes");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "no host-mode mesh '"
              + meshName
              + "' (no "
              + file
              + "): start one with `outrigger mesh up -f ...`");
    } catch (IOException e) {
      throw new UncheckedIOException("mesh file " + file + ": cannot read", e);
    }
    return parse(text, file.toString());
  }

  /**
   * @param source names the file in error messages
   */
  public static HostMesh parse(String text, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "mesh file " + source + ": not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("mesh file " + source + ": not a JSON object");
    }
    Fields f = new Fields(source);
    JsonNode cp = f.object(root, "controlPlane");
    ControlPlane controlPlane =
        new ControlPlane(
            f.text(cp, "controlPlane.monitoring"),
            f.optionalText(cp, "xdsTls"),
            f.optionalText(cp, "gateway"));
    if (!controlPlane.monitoring().matches("https?://[^/\\s]+/?")) {
      throw new IllegalArgumentException(
          "mesh file "
              + source
              + ": controlPlane.monitoring '"
              + controlPlane.monitoring()
              + "' is not http://HOST:PORT");
    }
    List<Pod> pods = new ArrayList<>();
    JsonNode list = root.path("pods");
    if (!list.isMissingNode() && !list.isArray()) {
      throw new IllegalArgumentException("mesh file " + source + ": pods is not a list");
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode p = list.get(i);
      String where = "pods[" + i + "].";
      String netns = f.text(p, where + "netns");
      checkName("mesh file " + source + ": " + where + "netns", netns);
      boolean sidecar = p.path("sidecar").asBoolean(false);
      String nodeId = p.path("nodeId").isTextual() ? p.path("nodeId").asText() : null;
      pods.add(
          new Pod(
              f.text(p, where + "namespace"),
              f.text(p, where + "name"),
              f.optionalText(p, "ip"),
              netns,
              sidecar,
              nodeId,
              p.path("ready").asBoolean(false)));
    }
    return new HostMesh(f.text(root, "name"), f.optionalText(root, "stateDir"), controlPlane, pods);
  }

  /** The pod {@code namespace/name}, or an error listing the pods the mesh has. */
  public Pod pod(String namespace, String podName) {
    return pods.stream()
        .filter(p -> p.namespace().equals(namespace) && p.name().equals(podName))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "mesh '"
                        + name
                        + "' has no pod "
                        + namespace
                        + "/"
                        + podName
                        + " (pods: "
                        + String.join(
                            ", ", pods.stream().map(p -> p.namespace() + "/" + p.name()).toList())
                        + ")"));
  }

  /**
   * Names end up in paths (/var/run/netns/NAME, the state root): nothing that could leave the
   * directory.
   */
  private static void checkName(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + value
              + "': must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }

  private record Fields(String source) {
    JsonNode object(JsonNode parent, String field) {
      JsonNode n = parent.path(field);
      if (!n.isObject()) {
        throw new IllegalArgumentException(
            "mesh file " + source + ": " + field + " is missing or not an object");
      }
      return n;
    }

    String text(JsonNode parent, String path) {
      JsonNode n = parent.path(path.substring(path.lastIndexOf('.') + 1));
      if (!n.isTextual() || n.asText().isBlank()) {
        throw new IllegalArgumentException(
            "mesh file " + source + ": " + path + " is missing or not a string");
      }
      return n.asText();
    }

    String optionalText(JsonNode parent, String field) {
      JsonNode n = parent.path(field);
      return n.isTextual() ? n.asText() : null;
    }
  }
}
