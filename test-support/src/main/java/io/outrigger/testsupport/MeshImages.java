package io.outrigger.testsupport;

import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's two images, built from this checkout and imported into the tier-5 node's containerd, under the
 * references the chart's values.yaml names by default (so {@code helm install} needs no image values):
 * <ul>
 *   <li>{@link #CONTROL_PLANE}: the shaded outrigger.jar on a jlink'd runtime (the control plane, and the CNI
 *       installer, which copies the outrigger-cni plugin image it carries at
 *       {@link NodeImages#CNI_PLUGIN_IMAGE_PATH} onto the node);</li>
 *   <li>{@link #PROXY}: the sidecar, Envoy ({@link NodeImages#envoy}).</li>
 * </ul>
 * Built once per JVM and imported once per cluster ({@link #importInto}); the archives are deleted after import.
 * The jar is {@code -Doutrigger.jar} (failsafe sets it in the cli module) or cli/target/outrigger.jar, the plugin
 * image cni-chain/target/plugin-image: both are made by {@code mvn package}, so run tier-5 mesh tests from
 * {@code verify}.
 */
public final class MeshImages {

    /** The chart's default {@code images.controlPlane}. */
    public static final String CONTROL_PLANE = "outrigger.local/outrigger:0.1.0";
    /** The chart's default {@code images.proxy}. */
    public static final String PROXY = NodeImages.ENVOY;

    private static final Logger LOG = LoggerFactory.getLogger(MeshImages.class);
    private static Path runtime;
    private static SingleNodeCluster importedInto;

    private MeshImages() {
    }

    /** Builds (once per JVM) and imports (once per cluster) both images into the node's containerd. */
    public static synchronized void importInto(SingleNodeCluster cluster) {
        if (importedInto == cluster) {
            return;
        }
        Path jar = jar();
        Path pluginImage = pluginImage();
        Path envoy = Prerequisites.requireEnvoy();
        long started = System.nanoTime();
        try {
            Path dir = Files.createTempDirectory("outrigger-mesh-images-");
            try {
                if (runtime == null || !Files.isDirectory(runtime)) {
                    Path runtimes = Files.createTempDirectory("outrigger-mesh-runtime-");
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(runtimes)));
                    runtime = NodeImages.jlink(Path.of(System.getProperty("java.home")),
                            NodeImages.CONTROL_PLANE_MODULES, runtimes.resolve("runtime"));
                }
                cluster.importImage(NodeImages.controlPlane(CONTROL_PLANE, runtime, jar, pluginImage,
                        dir.resolve("jni")).writeTo(dir.resolve("outrigger.tar")));
                Files.delete(dir.resolve("outrigger.tar"));
                cluster.importImage(NodeImages.envoy(envoy).writeTo(dir.resolve("envoy.tar")));
            } finally {
                delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("mesh images: " + e.getMessage(), e);
        }
        importedInto = cluster;
        LOG.info("event=mesh_images_imported images={},{} ms={}", CONTROL_PLANE, PROXY,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The shaded outrigger.jar: {@code -Doutrigger.jar}, else cli/target/outrigger.jar of this checkout. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("outrigger.jar",
                repo().resolve("cli/target/outrigger.jar").toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("mesh images: no " + jar + "; build it with ./mvnw -pl cli -am package"
                    + " (tier-5 mesh tests run in verify, after package)");
        }
        return jar;
    }

    /** The outrigger-cni plugin image the cni-chain build makes. */
    public static Path pluginImage() {
        Path image = repo().resolve("cni-chain/target/plugin-image");
        if (!Files.isExecutable(image.resolve("outrigger-cni"))) {
            throw new IllegalStateException("mesh images: no CNI plugin image in " + image
                    + "; build it with ./mvnw -pl cni-chain -am package");
        }
        return image;
    }

    private static Path repo() {
        return RepoRoot.find().orElseThrow(() -> new IllegalStateException("mesh images: no repository root above "
                + System.getProperty("user.dir")));
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
