package io.outrigger.certs.x509;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.conscrypt.Conscrypt;

/**
 * BoringSSL, through Conscrypt's JNI library (extracted from its jar and loaded on first use). The
 * provider is a private instance, never registered in {@link java.security.Security}: the
 * process-wide provider list is not ours to change. Loading happens at most once per JVM; if it
 * fails (another OS or CPU, a noexec temporary directory), {@link #unavailableReason()} says why.
 */
final class BoringSsl {

  private BoringSsl() {}

  /** Lazily: classes that never ask for BoringSSL never load the native library. */
  private static final class Loaded {
    static final String FAILURE = failure();
    static final Provider PROVIDER = FAILURE == null ? Conscrypt.newProvider() : null;

    private static String failure() {
      try {
        Conscrypt.checkAvailability();
        return null;
      } catch (
          Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError: any of them means "not here"
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return e.getClass().getSimpleName()
            + ": "
            + e.getMessage()
            + (cause != e ? " (" + cause.getMessage() + ")" : "");
      }
    }
  }

  static boolean available() {
    return Loaded.FAILURE == null;
  }

  /** Why the native library did not load; null when it did. */
  static String unavailableReason() {
    return Loaded.FAILURE;
  }

  static Provider provider() {
    if (!available()) {
      throw new IllegalStateException("BoringSSL (Conscrypt) is not available: " + Loaded.FAILURE);
    }
    return Loaded.PROVIDER;
  }

  /** {@code key} as a BoringSSL key, so signing needs no conversion per call. */
  static PrivateKey privateKey(PrivateKey key) throws GeneralSecurityException {
    return KeyFactory.getInstance("EC", provider())
        .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
  }

  /**
   * A public key from its DER SubjectPublicKeyInfo. BoringSSL refuses a point that is not on the
   * named curve, the point at infinity, and malformed encodings.
   */
  static PublicKey publicKey(byte[] spki) throws GeneralSecurityException {
    return KeyFactory.getInstance("EC", provider()).generatePublic(new X509EncodedKeySpec(spki));
  }
}
