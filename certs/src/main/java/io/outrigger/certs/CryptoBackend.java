package io.outrigger.certs;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which library does the CA's P-256/P-384 ECDSA arithmetic: verifying CSR signatures, signing
 * certificates, generating workload keys. RSA always stays with the JDK.
 */
public enum CryptoBackend {
  /** BoringSSL when its native library loads on this machine, Bouncy Castle otherwise. */
  AUTO("auto"),
  /** BoringSSL through Conscrypt's JNI library (bundled for Linux, macOS and Windows on x86-64). */
  BORINGSSL("boringssl"),
  /** Bouncy Castle's pure-Java lightweight API: runs anywhere, about 2.4 times slower per CSR. */
  BOUNCY_CASTLE("bouncycastle");

  /** The system property that sets {@link CaSettings#defaults()}'s backend. */
  public static final String PROPERTY = "outrigger.ca.crypto";

  private final String settingName;

  CryptoBackend(String settingName) {
    this.settingName = settingName;
  }

  /** The name used in the system property, logs and metrics. */
  public String settingName() {
    return settingName;
  }

  /** Reads a setting name such as {@code boringssl}; {@code source} names where it came from. */
  public static CryptoBackend fromSettingName(String name, String source) {
    return Arrays.stream(values())
        .filter(b -> b.settingName.equals(name.strip().toLowerCase(java.util.Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    source
                        + ": CA crypto backend '"
                        + name
                        + "' is not one of "
                        + Arrays.stream(values())
                            .map(CryptoBackend::settingName)
                            .collect(Collectors.joining(", "))));
  }

  /** The backend the system property {@value #PROPERTY} asks for, {@link #AUTO} when unset. */
  public static CryptoBackend fromSystemProperty() {
    String value = System.getProperty(PROPERTY);
    return value == null || value.isBlank()
        ? AUTO
        : fromSettingName(value, "system property " + PROPERTY);
  }
}
