package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostmode.manifest.PodChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * A pod's volumes as host directories under the pod's state directory: emptyDir empty, configMap
 * with a file per key, projected service-account tokens minted by the mesh (no trailing newline,
 * readable by the one user whose container mounts it). Processes see them at their host path: a
 * container's {@code mountPath} in its command, args and env is replaced with the host directory
 * (no mount namespace is made).
 */
final class PodVolumes {
  private PodVolumes() {}

  /** Volume name → host directory. */
  static Map<String, Path> realize(
      JsonNode pod, String namespace, Path dir, PodHost host, Map<String, Integer> owners)
      throws IOException {
    Map<String, Path> out = new HashMap<>();
    String sa =
        pod.path("spec")
            .path("serviceAccountName")
            .asText(pod.path("spec").path("serviceAccount").asText("default"));
    for (JsonNode v : pod.path("spec").path("volumes")) {
      String name = v.path("name").asText();
      Path path = dir.resolve(name);
      Files.createDirectories(path);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
      if (v.has("configMap")) {
        writeConfigMap(path, namespace, v.path("configMap").path("name").asText(), host);
      }
      boolean secret = false;
      for (JsonNode source : v.path("projected").path("sources")) {
        if (source.has("serviceAccountToken")) {
          JsonNode t = source.path("serviceAccountToken");
          write(
              path.resolve(t.path("path").asText("token")),
              host.mintToken(namespace, sa, t.path("expirationSeconds").asLong(3600)));
          secret = true;
        } else if (source.has("configMap")) {
          writeConfigMap(path, namespace, source.path("configMap").path("name").asText(), host);
        }
      }
      Integer owner = owners.get(name);
      if (v.has("emptyDir") && owner != null) {
        chown(path, owner);
      }
      if (secret) {
        // The token proves the pod's identity: only the container user that mounts it reads it.
        chownTree(path, owner == null ? 0 : owner);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r-x------"));
      }
      out.put(name, path);
    }
    return out;
  }

  private static void writeConfigMap(Path dir, String namespace, String name, PodHost host)
      throws IOException {
    if (name.equals(PodChecks.ROOT_CERT_CONFIG_MAP)) {
      write(dir.resolve("root-cert.pem"), host.rootCertPem());
      return;
    }
    JsonNode data =
        host.configMap(namespace, name)
            .orElseThrow(
                () -> new IllegalStateException("ConfigMap " + namespace + "/" + name + " is gone"))
            .path("data");
    for (var it = data.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().contains("/") || e.getKey().startsWith(".")) {
        throw new IllegalArgumentException(
            "ConfigMap " + namespace + "/" + name + ": key " + e.getKey() + " is not a file name");
      }
      write(dir.resolve(e.getKey()), e.getValue().asText());
    }
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private static void chown(Path path, int uid) {
    try {
      Files.setAttribute(path, "unix:uid", uid);
      Files.setAttribute(path, "unix:gid", uid);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot chown " + path + " to " + uid, e);
    }
  }

  private static void chownTree(Path dir, int uid) throws IOException {
    try (var files = Files.list(dir)) {
      files.forEach(
          f -> {
            chown(f, uid);
            try {
              Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    chown(dir, uid);
  }
}
