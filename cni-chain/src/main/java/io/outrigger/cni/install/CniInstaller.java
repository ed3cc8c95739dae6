package io.outrigger.cni.install;

import io.outrigger.cni.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains outrigger-cni into a node's existing CNI configuration and takes it out again, touching
 * only our entry and our files: the primary CNI's plugins stay exactly as they were.
 */
public final class CniInstaller {
  private static final Logger LOG = LoggerFactory.getLogger(CniInstaller.class);
  static final String LAUNCHER = "outrigger-cni";
  static final String IMAGE_DIR = "outrigger-cni.d";
  static final String KUBECONFIG = "outrigger-cni.kubeconfig";

  /** Where a converted single-plugin .conf is kept, so uninstall can put it back byte for byte. */
  static final String CONF_BACKUP_SUFFIX = ".outrigger-orig";

  private final InstallSettings settings;
  private final ConfDir confDir;

  public CniInstaller(InstallSettings settings) {
    this.settings = settings;
    this.confDir = new ConfDir(settings.confDir());
  }

  /** Copies the plugin, writes its kubeconfig and chains its entry into the primary network. */
  public Path install() {
    if (!Files.isDirectory(settings.confDir())) {
      throw new IllegalArgumentException(
          "CNI conf dir " + settings.confDir() + " does not exist; install the primary CNI first");
    }
    if (confDir.primary().isEmpty()) {
      throw new IllegalArgumentException(
          "CNI conf dir "
              + settings.confDir()
              + ": no .conflist or .conf file; install the primary CNI first");
    }
    return installOrWait()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "CNI conf dir "
                        + settings.confDir()
                        + ": the primary network's file disappeared during install"));
  }

  /**
   * The same, for an installer that keeps running ({@code --watch}): when the primary CNI has not
   * written its configuration yet (a node that is still starting), the plugin and kubeconfig are
   * put in place and the entry is chained later, by {@link ConfDirWatcher}, when the primary's file
   * appears. Empty until then.
   */
  public Optional<Path> installOrWait() {
    if (!Files.isDirectory(settings.confDir())) {
      throw new IllegalArgumentException(
          "CNI conf dir "
              + settings.confDir()
              + " does not exist (mount the node's "
              + "CNI configuration directory)");
    }
    copyPlugin();
    refreshKubeconfig();
    Optional<Path> chained = ensureChained();
    if (chained.isEmpty()) {
      LOG.info("event=cni-waiting-for-primary conf_dir={}", settings.confDir());
    }
    return chained;
  }

  /**
   * Makes sure the primary network ends with our entry (the primary CNI may have rewritten its
   * file); an older entry of ours is replaced. Returns the file, or empty when there is no network
   * yet.
   */
  public synchronized Optional<Path> ensureChained() {
    Optional<Path> primary = confDir.primary();
    if (primary.isEmpty()) {
      return Optional.empty();
    }
    Path file = primary.get();
    Map<String, Object> doc = confDir.read(file);
    Map<String, Object> entry = entry();
    if (file.getFileName().toString().endsWith(".conf")) {
      Path conflist = file.resolveSibling(stem(file) + ".conflist");
      Map<String, Object> list = ConfList.fromConf(doc);
      ConfList.plugins(list, file).add(entry);
      confDir.write(conflist, list);
      move(file, backupOf(conflist));
      LOG.info("event=cni-chained file={} converted_from={}", conflist, file.getFileName());
      return Optional.of(conflist);
    }
    List<Object> plugins = ConfList.plugins(doc, file);
    if (!plugins.isEmpty() && plugins.get(plugins.size() - 1).equals(entry)) {
      return primary;
    }
    ConfList.removeOurEntries(doc, file);
    plugins.add(entry);
    confDir.write(file, doc);
    LOG.info("event=cni-chained file={}", file);
    return primary;
  }

  /** Removes our entry from every network that has it, our kubeconfig and our binaries. */
  public synchronized void uninstall() {
    for (Path file : confDir.configFiles()) {
      Map<String, Object> doc = confDir.read(file);
      if (!file.getFileName().toString().endsWith(".conflist")
          || !ConfList.removeOurEntries(doc, file)) {
        continue;
      }
      Path backup = backupOf(file);
      if (Files.exists(backup)) {
        move(backup, file.resolveSibling(stem(file) + ".conf"));
        delete(file);
      } else {
        confDir.write(file, doc);
      }
      LOG.info("event=cni-unchained file={}", file);
    }
    delete(settings.confDir().resolve(KUBECONFIG));
    delete(settings.binDir().resolve(LAUNCHER));
    deleteTree(settings.binDir().resolve(IMAGE_DIR));
    if (settings.podRecords() != null) {
      deleteRecords(settings.podRecords());
    }
  }

  /**
   * The records and their directory; in a DaemonSet the directory is a mount point, which stays
   * (empty).
   */
  private static void deleteRecords(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> records = Files.list(dir)) {
      for (Path record : records.toList()) {
        deleteTree(record);
      }
      Files.deleteIfExists(dir);
    } catch (java.nio.file.FileSystemException e) {
      LOG.info("event=cni-records-dir-kept dir={} reason=\"{}\"", dir, e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Why this node is not ready for meshed pods, or empty when it is: the primary network ends with
   * our current entry, the plugin is in the bin dir, and its kubeconfig (when one is configured) is
   * written. This is what the installer's readiness endpoint answers.
   */
  public Optional<String> notReadyReason() {
    Path bin = settings.binDir();
    if (!Files.isExecutable(bin.resolve(LAUNCHER)) || !Files.isDirectory(bin.resolve(IMAGE_DIR))) {
      return Optional.of("the plugin is not in " + bin);
    }
    if (settings.kubeconfig() != null
        && !Files.isRegularFile(settings.confDir().resolve(KUBECONFIG))) {
      return Optional.of(
          "the plugin's kubeconfig " + settings.confDir().resolve(KUBECONFIG) + " is missing");
    }
    Optional<Path> primary;
    try {
      primary = confDir.primary();
      if (primary.isEmpty()) {
        return Optional.of(
            "no CNI network in " + settings.confDir() + " yet (waiting for the primary CNI)");
      }
      List<Object> plugins = ConfList.plugins(confDir.read(primary.get()), primary.get());
      if (plugins.isEmpty() || !plugins.get(plugins.size() - 1).equals(entry())) {
        return Optional.of(primary.get() + " does not end with our entry");
      }
    } catch (RuntimeException e) {
      return Optional.of(e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Writes the plugin's kubeconfig from its source when it differs from what is on disk (first
   * install, a rotated service-account token); returns whether it wrote. No-op without a kubeconfig
   * source.
   */
  public synchronized boolean refreshKubeconfig() {
    if (settings.kubeconfig() == null) {
      return false;
    }
    Path target = settings.confDir().resolve(KUBECONFIG);
    String json = Json.writePretty(settings.kubeconfig().read().toJson());
    try {
      if (Files.isRegularFile(target)
          && Files.readString(target, java.nio.charset.StandardCharsets.UTF_8).equals(json)) {
        return false;
      }
      Path tmp = target.resolveSibling("." + KUBECONFIG + ".outrigger-tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, json, java.nio.charset.StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "kubeconfig " + target + ": cannot write: " + e.getMessage(), e);
    }
    LOG.info(
        "event=cni-kubeconfig-written file={} source=\"{}\"",
        target,
        settings.kubeconfig().describe());
    return true;
  }

  public InstallSettings settings() {
    return settings;
  }

  private Map<String, Object> entry() {
    return ConfList.entry(settings, kubeconfigPath());
  }

  private String kubeconfigPath() {
    return settings.kubeconfig() == null ? null : settings.confDir().resolve(KUBECONFIG).toString();
  }

  /** The new image goes to a side directory first and replaces the old one with a rename. */
  private void copyPlugin() {
    Path image = settings.pluginImage();
    if (!Files.isExecutable(image.resolve(LAUNCHER))
        || !Files.isDirectory(image.resolve(IMAGE_DIR))) {
      throw new IllegalArgumentException(
          "plugin image "
              + image
              + ": has no "
              + LAUNCHER
              + " launcher and "
              + IMAGE_DIR
              + "/ (build it with ./mvnw -pl cni-chain -am package)");
    }
    Path bin = settings.binDir();
    Path staged = bin.resolve("." + IMAGE_DIR + ".new");
    Path old = bin.resolve("." + IMAGE_DIR + ".old");
    try {
      Files.createDirectories(bin);
      deleteTree(staged);
      deleteTree(old);
      copyTree(image.resolve(IMAGE_DIR), staged);
      if (Files.exists(bin.resolve(IMAGE_DIR))) {
        Files.move(bin.resolve(IMAGE_DIR), old);
      }
      Files.move(staged, bin.resolve(IMAGE_DIR));
      deleteTree(old);
      Path launcher = bin.resolve("." + LAUNCHER + ".new");
      Files.copy(
          image.resolve(LAUNCHER),
          launcher,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.COPY_ATTRIBUTES);
      Files.move(
          launcher,
          bin.resolve(LAUNCHER),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "CNI bin dir " + bin + ": cannot install the plugin: " + e.getMessage(), e);
    }
    LOG.info("event=cni-plugin-copied bin_dir={}", bin);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createSymbolicLink(target, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static Path backupOf(Path conflist) {
    return conflist.resolveSibling("." + stem(conflist) + ".conf" + CONF_BACKUP_SUFFIX);
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.lastIndexOf('.'));
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot move " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }
}
