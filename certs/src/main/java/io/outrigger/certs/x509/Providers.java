package io.outrigger.certs.x509;

import java.security.Key;
import java.security.Provider;
import java.security.interfaces.ECKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Which JCA provider does the EC arithmetic. Measured on the project machine (BENCHMARKS.md,
 * "Mesh CA"): Bouncy Castle's P-256 verify is several times faster than SunEC's in JDK 25, and
 * its sign and key generation are no slower, so EC work goes to a private Bouncy Castle instance
 * (never registered in {@link java.security.Security}: the process-wide provider list is not
 * ours to change). RSA stays with the JDK, whose modular arithmetic is intrinsified.
 */
public final class Providers {

  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

  private Providers() {}

  /** The provider for EC operations. */
  public static Provider ec() {
    return BOUNCY_CASTLE;
  }

  /** True when {@code key} is an EC key, whose operations go to {@link #ec()}. */
  public static boolean isEc(Key key) {
    return key instanceof ECKey || "EC".equals(key.getAlgorithm());
  }
}
