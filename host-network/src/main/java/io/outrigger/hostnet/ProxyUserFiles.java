package io.outrigger.hostnet;

import io.outrigger.sidecar.ProxyUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Makes files usable by the proxy user (UID/GID 1337), which runs Envoy in pods. A checkout under a
 * private home directory (CI clones anywhere) is not traversable by that user, so the Envoy binary
 * is copied once into a world-readable cache keyed by its size and modification time.
 */
public final class ProxyUserFiles {

  private static final Path CACHE_ROOT = Path.of("/var/tmp");

  private ProxyUserFiles() {}

  /** The given binary if UID 1337 can execute it where it is, else a world-readable copy of it. */
  public static Path executableByProxyUser(Path binary) {
    Path real = toRealPath(binary);
    if (othersCanReach(real)) {
      return real;
    }
    try {
      String key = Files.size(real) + "-" + Files.getLastModifiedTime(real).toMillis();
      Path dir = CACHE_ROOT.resolve("outrigger-" + real.getFileName() + "-" + key);
      Path copy = dir.resolve(real.getFileName());
      if (Files.isExecutable(copy) && Files.size(copy) == Files.size(real)) {
        return copy;
      }
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      // Copy then rename, so a concurrent JVM never executes a half-written binary.
      Path partial = Files.createTempFile(dir, "partial-", "");
      Files.copy(real, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
      try {
        Files.move(
            partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, copy, StandardCopyOption.REPLACE_EXISTING);
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot copy " + real + " to a place UID " + ProxyUser.UID + " can read", e);
    }
  }

  /** A fresh temp directory the proxy user can read and traverse (0755). */
  public static Path worldReadableTempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp directory " + prefix, e);
    }
  }

  /** Writes a file with mode 0644, so UID 1337 can read it. */
  public static Path writeReadable(Path file, String content) {
    try {
      Files.writeString(file, content);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Gives a directory to the proxy user, so a process running as 1337 can create files in it. */
  public static void chownToProxyUser(Path dir) {
    try {
      Files.setAttribute(dir, "unix:uid", ProxyUser.UID);
      Files.setAttribute(dir, "unix:gid", ProxyUser.GID);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot chown " + dir + " to " + ProxyUser.UID, e);
    }
  }

  private static boolean othersCanReach(Path file) {
    try {
      Set<PosixFilePermission> own = Files.getPosixFilePermissions(file);
      if (!own.contains(PosixFilePermission.OTHERS_EXECUTE)
          || !own.contains(PosixFilePermission.OTHERS_READ)) {
        return false;
      }
      for (Path dir = file.getParent(); dir != null; dir = dir.getParent()) {
        if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path toRealPath(Path binary) {
    try {
      return binary.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + binary, e);
    }
  }
}
