package io.outrigger.certs;

import io.outrigger.certs.x509.KeyFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The token file a sidecar's Envoy sends as {@code authorization: Bearer <file content>}. Envoy's
 * {@code file_based_metadata} call credentials send the file byte for byte; gRPC refuses a header
 * value holding a line break, so a token file ending in {@code \n} (what {@code echo}, editors and
 * {@code cmd > file} write) fails every xDS stream before it leaves Envoy: status 13, an empty
 * message, and nothing reaches the control plane (measured: GoogleGrpcFileBasedMetadataTest). So
 * the file must hold the token alone: {@link #write} writes it that way, {@link #requireSendable}
 * refuses one that is not.
 */
public final class TokenFile {

  /** Far above any service-account token (about 1 KiB); a larger file is not a token. */
  static final int MAX_BYTES = 64 * 1024;

  private TokenFile() {}

  /**
   * Writes {@code token} alone (no line break), mode 0644 as the kubelet's projected token,
   * atomically.
   */
  public static void write(Path file, String token) {
    KeyFiles.writePublic(file, requireToken(token, "token for " + file));
  }

  /**
   * Checks a token file that exists now. A file that does not exist yet (the kubelet's projected
   * token, mounted when the pod starts) passes: there is nothing to check before Envoy runs.
   *
   * @throws IllegalArgumentException naming the file, what is wrong, the symptom it would cause and
   *     the fix
   */
  public static void requireSendable(Path file) {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("token file " + file + ": cannot read", e);
    }
    if (content.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "token file " + file + ": larger than " + MAX_BYTES + " bytes, not a token");
    }
    requireToken(new String(content, StandardCharsets.ISO_8859_1), "token file " + file);
  }

  private static String requireToken(String token, String what) {
    if (token.isEmpty()) {
      throw new IllegalArgumentException(what + ": is empty");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c > 0x20 && c < 0x7f) {
        continue;
      }
      String found =
          switch (c) {
            case '\n' -> "a line break (\\n)";
            case '\r' -> "a carriage return (\\r)";
            case ' ' -> "a space";
            case '\t' -> "a tab";
            default -> String.format("the byte 0x%02x", (int) c);
          };
      boolean trailing = token.substring(i).isBlank();
      // A space is a legal header character: it arrives, and the token does not verify.
      String symptom =
          c == ' '
              ? "the control plane refuses the token"
              : "gRPC refuses that header and every xDS stream fails with status 13 and an empty message";
      throw new IllegalArgumentException(
          what
              + ": "
              + (trailing ? "ends with " : "holds ")
              + found
              + " at byte "
              + i
              + "; Envoy sends the file as is and "
              + symptom
              + " (write it with 'outrigger token --output FILE' or printf '%s')");
    }
    return token;
  }
}
