package io.outrigger.cni.plugin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * What the plugin leaves on the node for the installer's repair controller: one file per pod whose
 * capture rules it wrote ({@code pod_records} in the conflist entry). A meshed pod that has an IP
 * but no record was set up while our entry was missing from the conflist, and is repaired. The file
 * is named by the pod's UID ({@code K8S_POD_UID} in {@code CNI_ARGS}, which containerd and CRI-O
 * pass), else by {@code namespace_name}.
 */
public final class PodRecords {
  /**
   * DEL leaves {@code <key>.deleted} in place of the record: kubelet reports a finished pod's phase
   * after the sandbox (and so our DEL) is gone, and a pod still listed as Running with neither file
   * would look set up without us. The repair controller honours a fresh one and removes old ones.
   */
  public static final String TORN_DOWN_SUFFIX = ".deleted";

  /**
   * What a record's file name may be: a UID or {@code namespace_name} of Kubernetes names. CNI_ARGS
   * come from the runtime; anything else ({@code ../x}, a NUL, found by CniPluginFuzzTest) names no
   * file, so no path outside the directory is ever written.
   */
  private static final Pattern SAFE_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

  private final Path dir;

  public PodRecords(Path dir) {
    this.dir = dir;
  }

  /** The records in {@code dir} (the conflist's {@code pod_records}); null when it is no path. */
  static PodRecords in(String dir) {
    try {
      return new PodRecords(Path.of(dir));
    } catch (InvalidPathException e) {
      System.err.println(
          "outrigger-cni: pod_records is not a path, no record kept: " + e.getMessage());
      return null;
    }
  }

  /** The key of the request's pod, or null (said on stderr) when it cannot name a file. */
  private static String safeKey(CniRequest req) {
    String key = key(req.args().get("K8S_POD_UID"), req.podNamespace(), req.podName());
    if (!SAFE_KEY.matcher(key).matches() || key.contains("..")) {
      System.err.println(
          "outrigger-cni: pod " + req.pod() + ": no record kept, its UID/name is not a file name");
      return null;
    }
    return key;
  }

  /** The record's file name for a pod: its UID when known. */
  public static String key(String uid, String namespace, String name) {
    return uid != null && !uid.isBlank() ? uid : namespace + "_" + name;
  }

  /**
   * Written after the rules are in place (temp file + rename: the reader never sees half a record).
   */
  void written(CniRequest req, String version) {
    String key = safeKey(req);
    if (key == null) {
      return;
    }
    Path tmp = dir.resolve("." + key + ".tmp");
    try {
      Files.createDirectories(dir);
      Files.writeString(
          tmp,
          "pod=" + req.pod() + " container=" + req.containerId() + " version=" + version + "\n",
          StandardCharsets.UTF_8);
      Files.move(
          tmp,
          dir.resolve(key),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // The rules are in place; a missing record only makes the repair controller restart the pod
      // later.
      System.err.println(
          "outrigger-cni: cannot write pod record " + dir.resolve(key) + ": " + e.getMessage());
    }
  }

  /**
   * DEL turns the record of the sandbox it tears down into a tombstone (a newer sandbox of the same
   * pod keeps its own record): the tombstone is written first, so there is never a moment with
   * neither.
   */
  void removed(CniRequest req) {
    String key = safeKey(req);
    if (key == null) {
      return;
    }
    Path file = dir.resolve(key);
    try {
      if (Files.exists(file)) {
        String record = Files.readString(file, StandardCharsets.UTF_8);
        if (record.contains(" container=" + req.containerId() + " ")) {
          Files.writeString(dir.resolve(key + TORN_DOWN_SUFFIX), record, StandardCharsets.UTF_8);
          Files.deleteIfExists(file);
        }
      }
    } catch (IOException e) {
      System.err.println("outrigger-cni: cannot remove pod record " + file + ": " + e.getMessage());
    }
  }
}
