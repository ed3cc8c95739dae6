package io.outrigger.cni.install;

import io.outrigger.cni.kube.Kubeconfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the plugin's kubeconfig comes from. Both sources can change under a running installer (a
 * projected service-account token is rotated by kubelet before it expires; a user's kubeconfig may
 * name a token file), so the installer renders the source again on every resync and rewrites the
 * plugin's copy when it differs.
 */
public sealed interface KubeconfigSource {

  /** The credentials as they are now. */
  Kubeconfig read();

  /** What to name in messages. */
  String describe();

  static KubeconfigSource file(Path kubeconfig) {
    return new File(kubeconfig);
  }

  /**
   * The installer pod's own service account: {@code token} and {@code ca.crt} of its mounted
   * (projected) volume, and the API server the pod was told about ({@code
   * https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT} unless {@code server} is given).
   */
  static KubeconfigSource serviceAccount(Path dir, String server) {
    return new ServiceAccount(dir, server);
  }

  /** A user's kubeconfig (YAML or JSON; files it names are inlined). */
  record File(Path path) implements KubeconfigSource {
    @Override
    public Kubeconfig read() {
      return KubeconfigFlattener.flatten(path);
    }

    @Override
    public String describe() {
      return "kubeconfig " + path;
    }
  }

  /** A service account's mounted token and CA. */
  record ServiceAccount(Path dir, String server) implements KubeconfigSource {
    @Override
    public Kubeconfig read() {
      String url = server;
      if (url == null || url.isBlank()) {
        String host = System.getenv("KUBERNETES_SERVICE_HOST");
        String port = System.getenv().getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isBlank()) {
          throw new IllegalArgumentException(
              "service account "
                  + dir
                  + ": KUBERNETES_SERVICE_HOST is not set "
                  + "(not in a pod?): pass --api-server URL");
        }
        url = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
      }
      String token = readFile(dir.resolve("token")).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException("service account " + dir + ": the token file is empty");
      }
      return new Kubeconfig(url, readFile(dir.resolve("ca.crt")), token, null, null);
    }

    @Override
    public String describe() {
      return "service account " + dir;
    }

    private String readFile(Path file) {
      try {
        return Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "service account " + dir + ": cannot read " + file.getFileName() + ": " + e, e);
      }
    }
  }
}
