package io.outrigger.certs.x509;

import io.outrigger.certs.CaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files of the CA directory. Keys are written 0600 from the first byte (the temporary file is
 * created with that mode, then renamed into place) and refused on load when group or others can
 * read them, because a readable CA key lets anyone mint mesh identities.
 */
public final class KeyFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private KeyFiles() {}

  /** Writes a secret (a private key) with mode 0600, atomically. */
  public static void writeSecret(Path file, String content) {
    write(file, content, OWNER_ONLY);
  }

  /** Writes a public file (certificates) with mode 0644, atomically. */
  public static void writePublic(Path file, String content) {
    write(file, content, PUBLIC);
  }

  /** Reads a secret, refusing it when group or others have any permission on it. */
  public static String readSecret(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
      extra.addAll(perms);
      extra.retainAll(NOT_OWNER);
      if (!extra.isEmpty()) {
        throw new CaException(
            "key file "
                + file
                + " has mode "
                + PosixFilePermissions.toString(perms)
                + ": group and others must have no access (chmod 600 "
                + file
                + ")");
      }
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CaException("key file " + file + ": cannot read", e); // the cause says why
    }
  }

  public static String readPublic(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CaException("file " + file + ": cannot read", e); // the cause says why
    }
  }

  private static void write(Path file, String content, Set<PosixFilePermission> mode) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp =
          Files.createTempFile(
              dir,
              "." + file.getFileName(),
              ".tmp",
              PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      Files.setPosixFilePermissions(tmp, mode);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new CaException("file " + file + ": cannot write: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the write already failed and that error is the one to report
        }
      }
    }
  }
}
