package io.outrigger.hostmode.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostnet.BridgeNetworks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code mesh.json}: what runs, for the CLI and other tools (a contract: the fields documented in
 * docs/host-mode.md are kept). Rewritten atomically on every change; {@link #withSync} adds each
 * sidecar's xDS sync state from the control plane's {@code /debug/syncz}.
 */
final class MeshStatus {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final MeshPaths paths;
  private final Supervisor mesh;

  MeshStatus(MeshPaths paths, Supervisor mesh) {
    this.paths = paths;
    this.mesh = mesh;
  }

  synchronized void write() {
    try {
      Path tmp = Files.createTempFile(paths.dir(), ".mesh-", ".tmp");
      Files.writeString(tmp, JSON.writeValueAsString(snapshot()));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(
          tmp,
          paths.meshJson(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + paths.meshJson(), e);
    }
  }

  ObjectNode snapshot() {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", paths.name());
    root.put("stateDir", paths.dir().toString());
    ObjectNode cp = root.putObject("controlPlane");
    cp.put("monitoring", "http://127.0.0.1:" + mesh.controlPlane().monitoringPort());
    cp.put("xdsTls", mesh.gateway() + ":" + mesh.controlPlane().xdsTlsPort());
    cp.put("gateway", mesh.gateway());
    ObjectNode supervisor = root.putObject("supervisor");
    supervisor.put("pid", ProcessHandle.current().pid());
    supervisor.put("socket", paths.socket().toString());
    supervisor.put("log", paths.log().toString());
    ObjectNode network = root.putObject("network");
    network.put("lease", mesh.lease());
    network.put("bridge", BridgeNetworks.bridgeName(mesh.lease()));
    network.put("subnet", mesh.subnet().toString());
    ArrayNode services = root.putArray("services");
    mesh.serviceVips().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String[] nsName = e.getKey().split("/", 2);
              services
                  .addObject()
                  .put("namespace", nsName[0])
                  .put("name", nsName[1])
                  .put("clusterIP", e.getValue());
            });
    ArrayNode pods = root.putArray("pods");
    for (RunningPod p : mesh.pods()) {
      ObjectNode pod = pods.addObject();
      pod.put("namespace", p.plan.namespace());
      pod.put("name", p.plan.name());
      pod.put("ip", p.sandbox.ip());
      pod.put("netns", p.sandbox.netns());
      pod.put("sidecar", p.plan.sidecar());
      pod.put("nodeId", p.nodeId());
      pod.put("ready", p.ready);
      pod.put("owner", p.plan.owner());
      var runtime = p.runtime;
      pod.put(
          "uid",
          runtime == null ? io.outrigger.hostmode.pod.PodRuntime.DEFAULT_UID : runtime.appUid());
      pod.put("restarts", runtime == null ? 0 : runtime.restarts());
      ObjectNode mounts = pod.putObject("mounts");
      if (runtime != null) {
        runtime.appMounts().forEach(mounts::put);
      }
      pod.put("logs", paths.pod(p.plan.namespace(), p.plan.name()).resolve("logs").toString());
    }
    return root;
  }

  /**
   * The snapshot with {@code synced} per pod: its sidecar connected and every type it was sent
   * ACKed.
   */
  ObjectNode withSync() {
    ObjectNode root = snapshot();
    Map<String, Boolean> synced = syncz(root.path("controlPlane").path("monitoring").asText());
    for (JsonNode pod : root.path("pods")) {
      String node = pod.path("nodeId").asText(null);
      ((ObjectNode) pod).put("synced", node == null || synced.getOrDefault(node, false));
    }
    return root;
  }

  private static Map<String, Boolean> syncz(String monitoring) {
    Map<String, Boolean> out = new HashMap<>();
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(monitoring + "/debug/syncz"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      for (JsonNode p : JSON.readTree(r.body()).path("proxies")) {
        boolean all = !p.path("types").isEmpty();
        for (JsonNode t : p.path("types")) {
          all &= t.path("inSync").asBoolean(false);
        }
        out.put(p.path("proxy").asText(), all);
      }
    } catch (IOException e) {
      // Unknown sync state reads as not synced.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }
}
