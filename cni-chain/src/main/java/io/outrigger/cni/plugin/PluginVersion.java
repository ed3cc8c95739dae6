package io.outrigger.cni.plugin;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The version of the running plugin: the {@code VERSION} file the image build writes next to {@code
 * outrigger-cni.jar}, so that the log and the pod records show which plugin set a pod up (a CNI
 * upgrade is visible per pod). "dev" when the classes run from a build directory.
 */
public final class PluginVersion {
  private static String current;

  private PluginVersion() {}

  /** Read once per process. */
  public static synchronized String current() {
    if (current == null) {
      current = read();
    }
    return current;
  }

  private static String read() {
    File file = versionFile();
    if (file == null) {
      return "dev";
    }
    // java.io, not Files.readString: the NIO file channel would load ~40 classes and libnet on
    // every plugin call just to read one line.
    try (InputStream in = new FileInputStream(file)) {
      return new String(in.readNBytes(256), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "dev";
    }
  }

  /**
   * In the plugin image the launcher appends {@code outrigger-cni.jar} to the boot class path (see
   * {@code src/main/c/launcher.c}), so the jar, {@code VERSION} and the runtime ({@code java.home})
   * share one directory; a single jar on the class path works the same way.
   */
  private static File versionFile() {
    if (PluginVersion.class.getClassLoader() == null) {
      return new File(new File(System.getProperty("java.home")).getParentFile(), "VERSION");
    }
    String classPath = System.getProperty("java.class.path", "");
    if (!classPath.endsWith(".jar") || classPath.indexOf(File.pathSeparatorChar) >= 0) {
      return null;
    }
    return new File(new File(classPath).getAbsoluteFile().getParentFile(), "VERSION");
  }
}
