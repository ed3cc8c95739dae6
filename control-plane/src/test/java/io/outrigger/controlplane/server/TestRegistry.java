package io.outrigger.controlplane.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A file registry directory the test writes Kubernetes/Istio YAML into, as a user would. */
public final class TestRegistry {
  private final Path dir;

  public TestRegistry(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Replaces {@code file} atomically, so the registry never reads half a file. */
  public void write(String file, String yaml) {
    try {
      Path tmp = Files.createTempFile(dir.getParent(), "registry-", ".tmp");
      Files.writeString(tmp, yaml);
      Files.move(
          tmp,
          dir.resolve(file),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write registry file " + file, e);
    }
  }

  public void delete(String file) {
    try {
      Files.deleteIfExists(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete registry file " + file, e);
    }
  }

  public static String service(String namespace, String name, String vip, int port) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: %2$s
          namespace: %1$s
        spec:
          clusterIP: %3$s
          selector:
            app: %2$s
          ports:
            - name: http
              port: %4$d
              targetPort: %4$d
        ---
        """
        .formatted(namespace, name, vip, port);
  }

  public static String workload(
      String namespace, String name, String app, String serviceAccount, int httpPort) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: %2$s
          namespace: %1$s
        spec:
          address: 127.0.0.1
          serviceAccount: %4$s
          labels:
            app: %3$s
          ports:
            http: %5$d
        ---
        """
        .formatted(namespace, name, app, serviceAccount, httpPort);
  }
}
