package io.outrigger.cni.plugin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The version of the running plugin: the {@code VERSION} file the image build writes next to {@code
 * outrigger-cni.jar}, so that the log and the pod records show which plugin set a pod up (a CNI
 * upgrade is visible per pod). "dev" when the classes run from a build directory.
 */
public final class PluginVersion {
  private PluginVersion() {}

  public static String current() {
    String classPath = System.getProperty("java.class.path", "");
    if (!classPath.endsWith(".jar") || classPath.indexOf(java.io.File.pathSeparatorChar) >= 0) {
      return "dev";
    }
    Path file = Path.of(classPath).resolveSibling("VERSION");
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "dev";
    }
  }
}
