package io.outrigger.testsupport;

import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's two images, built from this checkout and imported into the tier-5 node's containerd,
 * under the references the chart's values.yaml names by default (so {@code helm install} needs no
 * image values):
 *
 * <ul>
 *   <li>{@link #CONTROL_PLANE}: the shaded outrigger.jar on a jlink'd runtime (the control plane,
 *       and the CNI installer, which copies the outrigger-cni plugin image it carries at {@link
 *       NodeImages#CNI_PLUGIN_IMAGE_PATH} onto the node);
 *   <li>{@link #PROXY}: the sidecar, Envoy ({@link NodeImages#envoy}).
 * </ul>
 *
 * Built once per JVM and imported once per cluster ({@link #importInto}); the archives are deleted
 * after import. The jar is {@code -Doutrigger.jar} (failsafe sets it in the cli module) or
 * cli/target/outrigger.jar, the plugin image cni-chain/target/plugin-image: both are made by {@code
 * mvn package}, so run tier-5 mesh tests from {@code verify}.
 */
public final class MeshImages {

  /** The chart's default {@code images.controlPlane}. */
  public static final String CONTROL_PLANE = "outrigger.local/outrigger:0.1.0";

  /** The chart's default {@code images.proxy}. */
  public static final String PROXY = NodeImages.ENVOY;

  private static final Logger LOG = LoggerFactory.getLogger(MeshImages.class);
  private static Path runtime;
  private static SingleNodeCluster importedInto;

  private MeshImages() {}

  /**
   * Builds (once per JVM) and imports (once per cluster) both images into the node's containerd.
   */
  public static synchronized void importInto(SingleNodeCluster cluster) {
    if (importedInto == cluster) {
      return;
    }
    long started = System.nanoTime();
    try {
      Path dir = Files.createTempDirectory("outrigger-mesh-images-");
      try {
        for (Path archive : write(dir, CONTROL_PLANE, PROXY, Prerequisites.requireEnvoy())) {
          cluster.importImage(archive);
          Files.delete(archive);
        }
      } finally {
        delete(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("mesh images: " + e.getMessage(), e);
    }
    importedInto = cluster;
    LOG.info(
        "event=mesh_images_imported images={},{} ms={}",
        CONTROL_PLANE,
        PROXY,
        (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Writes both images as docker-archive tarballs into {@code dir} ({@code outrigger.tar}, {@code
   * envoy.tar}), tagged {@code controlPlane} and {@code proxy}; returns their paths.
   */
  public static synchronized List<Path> write(
      Path dir, String controlPlane, String proxy, Path envoy) throws IOException {
    Path jar = jar();
    Path pluginImage = pluginImage();
    Files.createDirectories(dir);
    if (runtime == null || !Files.isDirectory(runtime)) {
      Path runtimes = Files.createTempDirectory("outrigger-mesh-runtime-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(runtimes)));
      runtime =
          NodeImages.jlink(
              Path.of(System.getProperty("java.home")),
              NodeImages.CONTROL_PLANE_MODULES,
              runtimes.resolve("runtime"));
    }
    Path scratch = Files.createTempDirectory("outrigger-mesh-jni-");
    try {
      Path outrigger =
          NodeImages.controlPlane(controlPlane, runtime, jar, pluginImage, scratch)
              .writeTo(dir.resolve("outrigger.tar"));
      Path sidecar = NodeImages.envoy(proxy, envoy).writeTo(dir.resolve("envoy.tar"));
      return List.of(outrigger, sidecar);
    } finally {
      delete(scratch);
    }
  }

  /**
   * {@code scripts/build-images.sh OUT [CONTROL_PLANE_REF PROXY_REF]}: the same two images as
   * tarballs for a user's own registry ({@code docker load -i} / {@code skopeo copy
   * docker-archive:...}, then push).
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1 && args.length != 3) {
      System.err.println(
          "usage: build-images OUT_DIR [CONTROL_PLANE_IMAGE PROXY_IMAGE]  (default: "
              + CONTROL_PLANE
              + " "
              + PROXY
              + ")");
      System.exit(2);
    }
    String envoy = System.getenv("ENVOY_BIN");
    if (envoy == null || envoy.isBlank()) {
      System.err.println(
          "build-images: ENVOY_BIN is not set; run scripts/bootstrap.sh and source .outrigger/env");
      System.exit(1);
    }
    List<Path> archives =
        write(
            Path.of(args[0]),
            args.length == 3 ? args[1] : CONTROL_PLANE,
            args.length == 3 ? args[2] : PROXY,
            Path.of(envoy));
    archives.forEach(a -> System.out.println(a));
  }

  /**
   * The shaded outrigger.jar: {@code -Doutrigger.jar}, else cli/target/outrigger.jar of this
   * checkout.
   */
  public static Path jar() {
    Path jar =
        Path.of(
            System.getProperty(
                "outrigger.jar", repo().resolve("cli/target/outrigger.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "mesh images: no "
              + jar
              + "; build it with ./mvnw -pl cli -am package"
              + " (tier-5 mesh tests run in verify, after package)");
    }
    return jar;
  }

  /** The outrigger-cni plugin image the cni-chain build makes. */
  public static Path pluginImage() {
    Path image = repo().resolve("cni-chain/target/plugin-image");
    if (!Files.isExecutable(image.resolve("outrigger-cni"))) {
      throw new IllegalStateException(
          "mesh images: no CNI plugin image in "
              + image
              + "; build it with ./mvnw -pl cni-chain -am package");
    }
    return image;
  }

  private static Path repo() {
    return RepoRoot.find()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "mesh images: no repository root above " + System.getProperty("user.dir")));
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary directory left behind is harmless.
    }
  }
}
