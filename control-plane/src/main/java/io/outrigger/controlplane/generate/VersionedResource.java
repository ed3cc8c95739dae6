package io.outrigger.controlplane.generate;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One xDS resource and its own version: a hash of its deterministic serialization, so the version
 * changes exactly when the resource does and an endpoint change touches only that
 * ClusterLoadAssignment.
 */
public record VersionedResource(String name, String version, Message resource) {
  public static VersionedResource of(String name, Message resource) {
    return new VersionedResource(name, hash(resource), resource);
  }

  static String hash(Message message) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization(); // map fields (Struct metadata) would otherwise hash
      // unstably
      message.writeTo(out);
      out.flush();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serialize " + message.getDescriptorForType().getFullName(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
