package io.outrigger.injector.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A serving certificate chain (leaf first) and its private key: what a TLS server presents.
 *
 * @param chain the leaf, then any intermediates
 * @param key the leaf's private key
 */
public record ServingKeys(List<X509Certificate> chain, PrivateKey key) {

  public ServingKeys {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("serving keys: the certificate chain is empty");
    }
    if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
      throw new IllegalArgumentException(
          "serving keys: the key ("
              + key.getAlgorithm()
              + ") does not match the certificate ("
              + chain.get(0).getPublicKey().getAlgorithm()
              + ")");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }
}
