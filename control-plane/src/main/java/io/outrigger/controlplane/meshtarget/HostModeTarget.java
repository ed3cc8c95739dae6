package io.outrigger.controlplane.meshtarget;

import io.outrigger.sidecar.SidecarPorts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A host-mode mesh found by its mesh.json. A sidecar's admin listens on 127.0.0.1:15000 inside its
 * pod's network namespace, so it is read by curl run there ({@code nsenter
 * --net=/var/run/netns/NAME}); the capture rules let loopback traffic through, so the request
 * reaches Envoy itself.
 */
public final class HostModeTarget implements MeshTarget {
  static final Path NETNS_DIR = Path.of("/var/run/netns");
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);

  /** A config dump of a large mesh is a few MB; a runaway answer is cut here. */
  static final int MAX_ADMIN_BYTES = 64 * 1024 * 1024;

  private final HostMesh mesh;

  public HostModeTarget(HostMesh mesh) {
    this.mesh = mesh;
  }

  public HostMesh mesh() {
    return mesh;
  }

  @Override
  public URI monitoring() {
    String url = mesh.controlPlane().monitoring();
    return URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
  }

  @Override
  public ProxyAdmin admin(String namespace, String podName) {
    HostMesh.Pod pod = mesh.pod(namespace, podName);
    if (!pod.sidecar()) {
      throw new IllegalArgumentException(
          "pod " + namespace + "/" + podName + " in mesh '" + mesh.name() + "' has no sidecar");
    }
    String who = "sidecar of " + namespace + "/" + podName;
    Path netns = NETNS_DIR.resolve(pod.netns());
    return path -> {
      // -w appends the status on its own line: the body is Envoy's whatever the status.
      BoundedCommand.Result r =
          BoundedCommand.run(
              List.of(
                  "nsenter",
                  "--net=" + netns,
                  "curl",
                  "-sS",
                  "--max-time",
                  Long.toString(ADMIN_TIMEOUT.toSeconds()),
                  "-w",
                  "\n%{http_code}",
                  "http://127.0.0.1:" + SidecarPorts.ADMIN + path),
              ADMIN_TIMEOUT.plusSeconds(5),
              MAX_ADMIN_BYTES,
              who);
      if (r.exitCode() != 0) {
        throw new IllegalArgumentException(
            who
                + ": admin "
                + path
                + " in netns "
                + pod.netns()
                + " failed: "
                + (r.stderr().isBlank() ? "exit " + r.exitCode() : r.stderr().strip()));
      }
      int cut = r.stdout().lastIndexOf('\n');
      String status = r.stdout().substring(cut + 1).strip();
      String body = r.stdout().substring(0, Math.max(cut, 0));
      if (!"200".equals(status)) {
        throw new IllegalArgumentException(
            who
                + ": admin "
                + path
                + " answered HTTP "
                + status
                + ": "
                + body.lines().findFirst().orElse(""));
      }
      return body;
    };
  }

  @Override
  public List<String> expectedProxies() {
    return mesh.pods().stream()
        .filter(HostMesh.Pod::sidecar)
        .map(HostMesh.Pod::nodeId)
        .filter(id -> id != null && !id.isBlank())
        .toList();
  }

  @Override
  public String describe() {
    return "mesh '" + mesh.name() + "'";
  }
}
