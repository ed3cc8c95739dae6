package io.outrigger.certs.x509;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/** The NIST curves the mesh accepts, recognised by their parameters (not by a provider's name). */
final class Curves {

  private static final ECParameterSpec P256 = spec("secp256r1");
  private static final ECParameterSpec P384 = spec("secp384r1");

  private Curves() {}

  /** {@code P-256}, {@code P-384}, or null for any other curve. */
  static String name(ECParameterSpec params) {
    if (same(params, P256)) {
      return "P-256";
    }
    if (same(params, P384)) {
      return "P-384";
    }
    return null;
  }

  private static boolean same(ECParameterSpec a, ECParameterSpec b) {
    return a.getCurve().equals(b.getCurve())
        && a.getGenerator().equals(b.getGenerator())
        && a.getOrder().equals(b.getOrder())
        && a.getCofactor() == b.getCofactor();
  }

  private static ECParameterSpec spec(String name) {
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(name));
      return params.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK does not know curve " + name, e);
    }
  }
}
