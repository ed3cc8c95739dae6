package io.outrigger.injector.webhook;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the webhook's serving certificate chain and key from PEM files, with the JDK alone. */
final class PemFiles {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

  private PemFiles() {}

  static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(file)) {
        if (block.type().equals("CERTIFICATE")) {
          chain.add(
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException e) {
      throw new IOException(
          "TLS certificate " + file + ": not a valid X.509 certificate: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IOException("TLS certificate " + file + ": no CERTIFICATE block found");
    }
    return chain;
  }

  /** PKCS#8 ({@code PRIVATE KEY}) RSA or EC keys, and PKCS#1 ({@code RSA PRIVATE KEY}) RSA keys. */
  static PrivateKey privateKey(Path file) throws IOException {
    for (Block block : blocks(file)) {
      byte[] pkcs8 =
          switch (block.type()) {
            case "PRIVATE KEY" -> block.der();
            case "RSA PRIVATE KEY" -> Pkcs1.toPkcs8(block.der());
            default -> null;
          };
      if (pkcs8 != null) {
        return decode(file, pkcs8);
      }
    }
    throw new IOException(
        "TLS key "
            + file
            + ": no 'PRIVATE KEY' (PKCS#8) or 'RSA PRIVATE KEY' block found;"
            + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY");
  }

  private static PrivateKey decode(Path file, byte[] pkcs8) throws IOException {
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException("TLS key " + file + ": not an RSA, EC or Ed25519 private key");
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(Path file) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
    }
    return blocks;
  }

  /**
   * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (DER by hand: the JDK reads only
   * PKCS#8).
   */
  private static final class Pkcs1 {
    private static final byte[] RSA_ALGORITHM = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };

    static byte[] toPkcs8(byte[] pkcs1) {
      byte[] version = {0x02, 0x01, 0x00};
      byte[] octets = tlv(0x04, pkcs1);
      byte[] body = concat(version, RSA_ALGORITHM, octets);
      return tlv(0x30, body);
    }

    private static byte[] tlv(int tag, byte[] value) {
      byte[] length = length(value.length);
      return concat(new byte[] {(byte) tag}, length, value);
    }

    private static byte[] length(int n) {
      if (n < 0x80) {
        return new byte[] {(byte) n};
      }
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      byte[] out = new byte[bytes + 1];
      out[0] = (byte) (0x80 | bytes);
      for (int i = 0; i < bytes; i++) {
        out[bytes - i] = (byte) (n >>> (8 * i));
      }
      return out;
    }

    private static byte[] concat(byte[]... parts) {
      int size = 0;
      for (byte[] p : parts) {
        size += p.length;
      }
      byte[] out = new byte[size];
      int at = 0;
      for (byte[] p : parts) {
        System.arraycopy(p, 0, out, at, p.length);
        at += p.length;
      }
      return out;
    }
  }
}
