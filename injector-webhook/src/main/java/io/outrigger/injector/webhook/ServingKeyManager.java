package io.outrigger.injector.webhook;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server key manager that presents whatever {@link ServingKeys} its source holds at each
 * handshake, so a certificate is replaced without a restart and without touching open connections
 * (a TLS connection keeps the certificate of its own handshake). Works for the JDK's TLS and
 * Netty's.
 *
 * <p>Each distinct {@link ServingKeys} gets its own alias, and the one before it stays resolvable:
 * TLS stacks ask for the chain and the key by alias in separate calls, and a swap between them must
 * not pair the new chain with the old key.
 */
public final class ServingKeyManager extends X509ExtendedKeyManager {

  private record Aliased(String alias, ServingKeys keys) {}

  private final Supplier<ServingKeys> source;
  private volatile Aliased current;
  private volatile Aliased previous;
  private long generation;

  /**
   * @param source asked once per handshake; must be cheap (return a held value)
   */
  public ServingKeyManager(Supplier<ServingKeys> source) {
    this.source = source;
    this.current = new Aliased("serving-0", source.get());
  }

  /** The certificate new handshakes get now. */
  public X509Certificate leaf() {
    return now().keys().leaf();
  }

  private Aliased now() {
    ServingKeys keys = source.get();
    Aliased seen = current;
    if (seen.keys() == keys) {
      return seen;
    }
    synchronized (this) {
      if (current.keys() != keys) {
        previous = current;
        current = new Aliased("serving-" + (++generation), keys);
      }
      return current;
    }
  }

  private ServingKeys byAlias(String alias) {
    Aliased c = current;
    if (c.alias().equals(alias)) {
      return c.keys();
    }
    Aliased p = previous;
    return p != null && p.alias().equals(alias) ? p.keys() : null;
  }

  private String aliasFor(String keyType) {
    Aliased c = now();
    String algorithm = c.keys().key().getAlgorithm();
    boolean matches =
        keyType.equals(algorithm) || (keyType.startsWith("EC") && algorithm.equals("EC"));
    return matches ? c.alias() : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    ServingKeys keys = byAlias(alias);
    return keys == null ? null : keys.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    ServingKeys keys = byAlias(alias);
    return keys == null ? null : keys.key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = aliasFor(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
