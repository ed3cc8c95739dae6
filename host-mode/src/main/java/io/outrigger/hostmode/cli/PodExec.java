package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostnet.NetnsCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code mesh exec}: a command in a pod's netns as its app user, paths under its volume mounts
 * mapped to the host.
 */
public final class PodExec {
  private PodExec() {}

  /**
   * @param status the mesh's {@code mesh.json}
   * @param pod {@code namespace/name}
   * @param inheritIo true: the command uses this terminal; false: its output is the returned
   *     process's
   */
  public static Process run(JsonNode status, String pod, List<String> command, boolean inheritIo)
      throws IOException {
    String[] nsName = pod.split("/", 2);
    if (nsName.length != 2) {
      throw new IllegalArgumentException("pod '" + pod + "': give it as NAMESPACE/POD");
    }
    JsonNode found = null;
    List<String> names = new ArrayList<>();
    for (JsonNode p : status.path("pods")) {
      names.add(p.path("namespace").asText() + "/" + p.path("name").asText());
      if (p.path("namespace").asText().equals(nsName[0])
          && p.path("name").asText().equals(nsName[1])) {
        found = p;
      }
    }
    if (found == null) {
      throw new IllegalArgumentException(
          "mesh "
              + status.path("name").asText()
              + " has no pod "
              + pod
              + " (pods: "
              + String.join(", ", names)
              + ")");
    }
    List<String> argv = new ArrayList<>();
    for (String arg : command) {
      String mapped = arg;
      for (Map.Entry<String, JsonNode> m : found.path("mounts").properties()) {
        // Whole arguments that are paths only: a URL that happens to contain /app/ stays as it is.
        if (mapped.equals(m.getKey()) || mapped.startsWith(m.getKey() + "/")) {
          mapped = m.getValue().asText() + mapped.substring(m.getKey().length());
          break;
        }
      }
      argv.add(mapped);
    }
    int uid = found.path("uid").asInt();
    List<String> full =
        NetnsCommand.wrap(
            found.path("netns").asText(),
            -1,
            List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
    full = new ArrayList<>(full);
    full.addAll(argv);
    ProcessBuilder builder = new ProcessBuilder(full);
    builder.environment().clear();
    builder
        .environment()
        .put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    builder.environment().put("HOME", "/tmp");
    builder.environment().put("HOSTNAME", nsName[1]);
    builder.directory(new java.io.File("/"));
    if (inheritIo) {
      builder.inheritIO();
    }
    return builder.start();
  }
}
