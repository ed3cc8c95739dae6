package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A one-layer container image written as a docker-archive ({@code docker save} format:
 * manifest.json, the config JSON and the layer tar), which {@code ctr images import} and {@code
 * docker load} accept, made without a daemon or a registry. Entries are files copied from the host,
 * files with given content, directories and symbolic links, all owned by root and dated at the
 * epoch so that the same inputs give the same digests.
 *
 * <p>Why not jib-core: Jib can build {@code fromScratch()} into a tarball offline, but it cannot
 * put symbolic links in a layer (GoogleContainerTools/jib#2275, open): busybox's applets and the
 * sonames of glibc are links. Writing ustar is a hundred lines, and the test harness gains no Guava
 * and HTTP-client tree.
 */
public final class ImageArchive {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BLOCK = 512;
  private static final byte[] ZEROS = new byte[BLOCK * 2];

  private final String reference;
  private final Map<String, Entry> entries = new TreeMap<>();
  private List<String> entrypoint = List.of();
  private List<String> cmd = List.of();
  private final List<String> env =
      new ArrayList<>(List.of("PATH=/usr/local/bin:/usr/bin:/bin:/sbin"));

  private ImageArchive(String reference) {
    this.reference = reference;
  }

  /** An image to be tagged {@code reference}, e.g. {@code outrigger.local/pause:1}. */
  public static ImageArchive named(String reference) {
    if (!reference.matches("[a-z0-9.-]+(/[a-z0-9._-]+)+:[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "image reference '" + reference + "': must be host/name:tag");
    }
    return new ImageArchive(reference);
  }

  public String reference() {
    return reference;
  }

  /** A copy of the host file {@code source} at {@code path}; the directories above it are added. */
  public ImageArchive file(String path, Path source, int mode) {
    return add(new Entry(normalize(path), 'F', mode, source, null, null));
  }

  public ImageArchive file(String path, String content, int mode) {
    return add(
        new Entry(
            normalize(path), 'F', mode, null, content.getBytes(StandardCharsets.UTF_8), null));
  }

  public ImageArchive directory(String path, int mode) {
    return add(new Entry(normalize(path), 'D', mode, null, null, null));
  }

  public ImageArchive symlink(String path, String target) {
    return add(new Entry(normalize(path), 'L', 0777, null, null, target));
  }

  /** An environment variable of the image's processes ({@code NAME=VALUE}). */
  public ImageArchive env(String name, String value) {
    env.add(name + "=" + value);
    return this;
  }

  public ImageArchive entrypoint(String... command) {
    entrypoint = List.of(command);
    return this;
  }

  public ImageArchive cmd(String... command) {
    cmd = List.of(command);
    return this;
  }

  /** Writes the archive and returns it. */
  public Path writeTo(Path archive) {
    try {
      Files.createDirectories(archive.toAbsolutePath().getParent());
      Path layer = Files.createTempFile(archive.toAbsolutePath().getParent(), "layer-", ".tar");
      try {
        String diffId = writeLayer(layer);
        byte[] config = config(diffId);
        String configName = sha256(config) + ".json";
        String layerName = diffId + "/layer.tar";
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode image = manifest.addObject();
        image.put("Config", configName);
        image.putArray("RepoTags").add(reference);
        image.putArray("Layers").add(layerName);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive))) {
          directoryHeader(out, diffId, 0755);
          fileEntry(out, layerName, 0644, layer);
          bytesEntry(out, configName, 0644, config);
          bytesEntry(out, "manifest.json", 0644, JSON.writeValueAsBytes(manifest));
          out.write(ZEROS);
        }
      } finally {
        Files.deleteIfExists(layer);
      }
      return archive;
    } catch (IOException e) {
      throw new UncheckedIOException("image " + reference + ": cannot write " + archive, e);
    }
  }

  private ImageArchive add(Entry entry) {
    if (entry.path.isEmpty()) {
      throw new IllegalArgumentException("image " + reference + ": the root directory is implied");
    }
    for (int slash = entry.path.indexOf('/');
        slash > 0;
        slash = entry.path.indexOf('/', slash + 1)) {
      entries.putIfAbsent(
          entry.path.substring(0, slash),
          new Entry(entry.path.substring(0, slash), 'D', 0755, null, null, null));
    }
    entries.put(entry.path, entry);
    return this;
  }

  /** The layer tar; returns its SHA-256 (the image's diff ID), hex. */
  private String writeLayer(Path layer) throws IOException {
    MessageDigest digest = sha256();
    try (OutputStream out =
        new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(layer)), digest)) {
      for (Entry entry : entries.values()) {
        switch (entry.type) {
          case 'D' -> directoryHeader(out, entry.path, entry.mode);
          case 'L' -> out.write(header(entry.path, entry.mode, 0, '2', entry.linkTarget));
          default -> {
            if (entry.source != null) {
              fileEntry(out, entry.path, entry.mode, entry.source);
            } else {
              bytesEntry(out, entry.path, entry.mode, entry.content);
            }
          }
        }
      }
      out.write(ZEROS);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private byte[] config(String diffId) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("created", "1970-01-01T00:00:00Z");
    ObjectNode runtime = config.putObject("config");
    env.forEach(runtime.putArray("Env")::add);
    if (!entrypoint.isEmpty()) {
      entrypoint.forEach(runtime.putArray("Entrypoint")::add);
    }
    if (!cmd.isEmpty()) {
      cmd.forEach(runtime.putArray("Cmd")::add);
    }
    runtime.put("WorkingDir", "/");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add("sha256:" + diffId);
    config.putArray("history").addObject().put("created_by", "outrigger test-support ImageArchive");
    return JSON.writeValueAsBytes(config);
  }

  private static void directoryHeader(OutputStream out, String path, int mode) throws IOException {
    out.write(header(path + "/", mode, 0, '5', null));
  }

  private static void fileEntry(OutputStream out, String path, int mode, Path source)
      throws IOException {
    long size = Files.size(source);
    out.write(header(path, mode, size, '0', null));
    try (InputStream in = Files.newInputStream(source)) {
      if (in.transferTo(out) != size) {
        throw new IOException(source + " changed size while being archived");
      }
    }
    pad(out, size);
  }

  private static void bytesEntry(OutputStream out, String path, int mode, byte[] content)
      throws IOException {
    out.write(header(path, mode, content.length, '0', null));
    out.write(content);
    pad(out, content.length);
  }

  private static void pad(OutputStream out, long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(ZEROS, 0, BLOCK - rest);
    }
  }

  /** A POSIX ustar header; names longer than 100 bytes go to the 155-byte prefix field. */
  private static byte[] header(String name, int mode, long size, char type, String linkTarget) {
    byte[] header = new byte[BLOCK];
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    String prefix = "";
    if (nameBytes.length > 100) {
      int split = name.lastIndexOf('/', name.length() - 2);
      prefix = name.substring(0, split);
      name = name.substring(split + 1);
      if (name.getBytes(StandardCharsets.UTF_8).length > 100 || prefix.length() > 155) {
        throw new IllegalArgumentException("tar entry name too long: " + prefix + "/" + name);
      }
    }
    put(header, 0, 100, name);
    putOctal(header, 100, 8, mode);
    putOctal(header, 108, 8, 0);
    putOctal(header, 116, 8, 0);
    putOctal(header, 124, 12, size);
    putOctal(header, 136, 12, 0);
    header[156] = (byte) type;
    if (linkTarget != null) {
      if (linkTarget.getBytes(StandardCharsets.UTF_8).length > 100) {
        throw new IllegalArgumentException("symbolic link target too long: " + linkTarget);
      }
      put(header, 157, 100, linkTarget);
    }
    put(header, 257, 6, "ustar");
    put(header, 263, 2, "00");
    put(header, 265, 32, "root");
    put(header, 297, 32, "root");
    put(header, 345, 155, prefix);
    // The checksum is computed with its own field as spaces.
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    String checksum = String.format("%06o", sum);
    put(header, 148, 6, checksum);
    header[154] = 0;
    header[155] = ' ';
    return header;
  }

  private static void put(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
  }

  private static void putOctal(byte[] header, int offset, int length, long value) {
    String octal = Long.toOctalString(value);
    if (octal.length() > length - 1) {
      throw new IllegalArgumentException("tar field value too large: " + value);
    }
    put(header, offset, length - 1, "0".repeat(length - 1 - octal.length()) + octal);
  }

  private static String normalize(String path) {
    String normalized = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
    if (List.of(normalized.split("/")).contains("..")) {
      throw new IllegalArgumentException("image path '" + path + "': must not contain ..");
    }
    return normalized;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private record Entry(
      String path, char type, int mode, Path source, byte[] content, String linkTarget) {}

  /** The paths in the image, for tests and error messages. */
  Set<String> paths() {
    return new LinkedHashSet<>(entries.keySet());
  }
}
