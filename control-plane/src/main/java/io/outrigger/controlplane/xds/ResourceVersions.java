package io.outrigger.controlplane.xds;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Short content hashes used as xDS version strings. */
public final class ResourceVersions {

  private ResourceVersions() {}

  static String hash(ByteString bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.asReadOnlyByteBuffer());
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * The version of a set of resources, whatever the order they come in: a sum of per-entry 64-bit
   * mixes of name and version. It only has to change when the set does (the resources' own versions
   * are content hashes); no sorting, no digest, so it stays cheap for a thousand clusters per
   * proxy.
   */
  public static String ofSet(Map<String, String> versionByName) {
    SetVersion set = new SetVersion();
    versionByName.forEach(set::add);
    return set.value();
  }

  /**
   * One resource's share of a set version. Set versions are sums of these, so a view over layered
   * maps can add the layers' sums, each computed once per shared map instead of once per proxy.
   */
  public static long entry(String name, String version) {
    return mix(fnv(name) * 31 + fnv(version));
  }

  /** The set version of {@code count} entries whose {@link #entry} values sum to {@code sum}. */
  public static String value(long sum, int count) {
    return count == 0 ? "empty" : HexFormat.of().toHexDigits(sum);
  }

  /** Accumulates {@link #ofSet} one resource at a time, without building a map. */
  static final class SetVersion {
    private long sum;
    private int count;

    void add(String name, String version) {
      sum += entry(name, version);
      count++;
    }

    String value() {
      return ResourceVersions.value(sum, count);
    }
  }

  private static long fnv(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  /** MurmurHash3's 64-bit finalizer: spreads every input bit over the output. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
