package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.certs.CaException;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.x509.CaFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh CA of a cluster lives in one Secret of the control plane's namespace, so every replica
 * (and every restart) signs under the same root, as istiod's {@code istio-ca-secret} / plug-in
 * {@code cacerts}. At start each replica copies the Secret's {@code cacerts} files into its
 * (pod-local, writable) CA directory. When the Secret does not exist, the replica makes a
 * self-signed root and <em>creates</em> the Secret with it: the API server accepts exactly one
 * create, so when two replicas race the loser gets 409 AlreadyExists, drops its own root and uses
 * the winner's. An operator's own CA is the same Secret created before the install ({@code
 * outrigger ca init --dir D}, then {@code kubectl create secret generic outrigger-ca
 * --from-file=D}).
 */
public final class CaSecret {

  private static final Logger log = LoggerFactory.getLogger(CaSecret.class);

  /** The keys this class writes; a Secret needs at least {@link CaFiles#required()}. */
  private static final List<String> KEYS =
      List.of("ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem");

  private static final Set<String> OWNER_READ_ONLY = Set.of("ca-key.pem");

  private CaSecret() {}

  /**
   * Fills {@code caDir} from Secret {@code namespace/name}, creating the Secret with a new
   * self-signed root when it is absent. {@code caDir} must hold no CA yet (it is the pod's own
   * scratch directory).
   */
  public static void materialize(
      KubernetesClient client, String namespace, String name, Path caDir, CaSettings settings) {
    String what = "CA secret " + namespace + "/" + name;
    CaFiles files = new CaFiles(caDir);
    if (files.anyExists()) {
      throw new CaException(
          what
              + ": --ca-dir "
              + caDir
              + " already holds a CA; with --ca-secret it must"
              + " be an empty, pod-local directory (an emptyDir): the Secret is the CA");
    }
    Secret secret = get(client, namespace, name, what);
    if (secret == null) {
      secret = create(client, namespace, name, settings, what);
    } else {
      log.info("event=ca_secret_loaded secret={}/{}", namespace, name);
    }
    write(secret, caDir, what);
  }

  private static Secret get(KubernetesClient client, String namespace, String name, String what) {
    try {
      return client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new CaException(what + ": cannot read it: " + e.getMessage(), e);
    }
  }

  /**
   * A new self-signed root, offered as the Secret; whichever replica's create the API server took
   * wins.
   */
  private static Secret create(
      KubernetesClient client, String namespace, String name, CaSettings settings, String what) {
    Path scratch;
    try {
      scratch = Files.createTempDirectory("outrigger-ca-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          what + ": no scratch directory for a new root: " + e.getMessage(), e);
    }
    try {
      MeshCa.loadOrInit(scratch, settings);
      Map<String, String> data = new LinkedHashMap<>();
      for (String key : KEYS) {
        Path file = scratch.resolve(key);
        if (Files.exists(file)) {
          data.put(key, Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
        }
      }
      Secret secret =
          new SecretBuilder()
              .withNewMetadata()
              .withNamespace(namespace)
              .withName(name)
              .addToLabels("app.kubernetes.io/managed-by", "outrigger")
              .addToLabels("outrigger.io/config", "ca")
              .endMetadata()
              .withType("Opaque")
              .withData(data)
              .build();
      try {
        Secret created = client.secrets().inNamespace(namespace).resource(secret).create();
        log.info("event=ca_secret_created secret={}/{}", namespace, name);
        return created;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw new CaException(what + ": absent, and creating it failed: " + e.getMessage(), e);
        }
        log.info("event=ca_secret_lost_race secret={}/{} using=theirs", namespace, name);
        Secret theirs = get(client, namespace, name, what);
        if (theirs == null) {
          throw new CaException(
              what + ": another replica created it, then it was deleted; restart");
        }
        return theirs;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": " + e.getMessage(), e);
    } finally {
      deleteTree(scratch);
    }
  }

  private static void write(Secret secret, Path caDir, String what) {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    CaFiles files = new CaFiles(caDir);
    List<String> missing =
        files.required().stream()
            .map(p -> p.getFileName().toString())
            .filter(key -> !data.containsKey(key))
            .toList();
    if (!missing.isEmpty()) {
      throw new CaException(
          what
              + ": has no "
              + String.join(", ", missing)
              + " (keys: "
              + String.join(", ", data.keySet())
              + "); it must hold the cacerts files of 'outrigger ca init'");
    }
    try {
      Files.createDirectories(caDir);
      for (String key : KEYS) {
        if (data.containsKey(key)) {
          Path file = caDir.resolve(key);
          Files.write(file, Base64.getDecoder().decode(data.get(key)));
          if (OWNER_READ_ONLY.contains(key)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(what + ": cannot write " + caDir + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new CaException(what + ": a value is not base64: " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temp directory left behind is harmless.
    }
  }
}
