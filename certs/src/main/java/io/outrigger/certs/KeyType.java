package io.outrigger.certs;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Key algorithms the CA generates, with the names the CLI accepts. */
public enum KeyType {
  EC_P256("ec-p256", "EC", 256, "SHA256withECDSA"),
  RSA_2048("rsa-2048", "RSA", 2048, "SHA256withRSA"),
  RSA_4096("rsa-4096", "RSA", 4096, "SHA256withRSA");

  private final String cliName;
  private final String algorithm;
  private final int bits;
  private final String signatureAlgorithm;

  KeyType(String cliName, String algorithm, int bits, String signatureAlgorithm) {
    this.cliName = cliName;
    this.algorithm = algorithm;
    this.bits = bits;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  public String cliName() {
    return cliName;
  }

  public String algorithm() {
    return algorithm;
  }

  public int bits() {
    return bits;
  }

  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** Reads a CLI name such as {@code ec-p256}. */
  public static KeyType fromCliName(String name) {
    return Arrays.stream(values())
        .filter(k -> k.cliName.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "key type '"
                        + name
                        + "' is not supported; use one of "
                        + Arrays.stream(values())
                            .map(KeyType::cliName)
                            .collect(Collectors.joining(", "))));
  }
}
