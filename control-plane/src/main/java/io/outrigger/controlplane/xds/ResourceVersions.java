package io.outrigger.controlplane.xds;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Short content hashes used as xDS version strings. */
public final class ResourceVersions {

  private ResourceVersions() {}

  static String hash(ByteString bytes) {
    MessageDigest digest = sha256();
    digest.update(bytes.asReadOnlyByteBuffer());
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /** The version of a set of resources: stable whatever the order they were given in. */
  public static String ofSet(Map<String, String> versionByName) {
    if (versionByName.isEmpty()) {
      return "empty";
    }
    MessageDigest digest = sha256();
    new TreeMap<>(versionByName)
        .forEach(
            (name, version) -> {
              digest.update(name.getBytes(StandardCharsets.UTF_8));
              digest.update((byte) 0);
              digest.update(version.getBytes(StandardCharsets.UTF_8));
              digest.update((byte) 0);
            });
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
