package io.outrigger.certs;

import java.time.Duration;
import java.util.Objects;

/**
 * How the mesh CA behaves.
 *
 * @param trustDomain the SPIFFE trust domain of the root this CA creates (a plug-in CA keeps the
 *     trust domain given here too: the cacerts files do not carry one)
 * @param caKeyType key of a self-signed root created by {@link MeshCa#loadOrInit}
 * @param workloadKeyType key the generate path makes for workloads
 * @param defaultTtl SVID lifetime when the caller asks for none
 * @param maxTtl longest SVID lifetime granted; longer requests are capped to it
 * @param rootTtl lifetime of a self-signed root
 * @param backdate how far notBefore is set in the past, for clock skew between machines
 * @param crypto who does the ECDSA arithmetic ({@link CryptoBackend#AUTO}: BoringSSL where its
 *     native library loads, Bouncy Castle elsewhere)
 */
public record CaSettings(
    String trustDomain,
    KeyType caKeyType,
    KeyType workloadKeyType,
    Duration defaultTtl,
    Duration maxTtl,
    Duration rootTtl,
    Duration backdate,
    CryptoBackend crypto) {

  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

  public CaSettings {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(caKeyType, "caKeyType");
    Objects.requireNonNull(workloadKeyType, "workloadKeyType");
    new SpiffeId(trustDomain, ""); // validates the trust domain with the SPIFFE rules
    requirePositive("defaultTtl", defaultTtl);
    requirePositive("maxTtl", maxTtl);
    requirePositive("rootTtl", rootTtl);
    Objects.requireNonNull(backdate, "backdate");
    Objects.requireNonNull(crypto, "crypto");
    if (backdate.isNegative()) {
      throw new IllegalArgumentException(
          "CA settings: backdate " + backdate + " must not be negative");
    }
    if (defaultTtl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException(
          "CA settings: default TTL " + defaultTtl + " is longer than the cap " + maxTtl);
    }
  }

  /**
   * Istio's defaults: cluster.local, EC P-256, 24 h SVIDs capped at 90 days, a 10-year root; the
   * crypto backend from the system property {@value CryptoBackend#PROPERTY} (auto when unset), so
   * an operator can choose it for any command without a flag of its own.
   */
  public static CaSettings defaults() {
    return new CaSettings(
        DEFAULT_TRUST_DOMAIN,
        KeyType.EC_P256,
        KeyType.EC_P256,
        Duration.ofHours(24),
        Duration.ofDays(90),
        Duration.ofDays(3650),
        Duration.ofMinutes(1),
        CryptoBackend.fromSystemProperty());
  }

  public CaSettings withTrustDomain(String domain) {
    return new CaSettings(
        domain, caKeyType, workloadKeyType, defaultTtl, maxTtl, rootTtl, backdate, crypto);
  }

  public CaSettings withCaKeyType(KeyType type) {
    return new CaSettings(
        trustDomain, type, workloadKeyType, defaultTtl, maxTtl, rootTtl, backdate, crypto);
  }

  public CaSettings withDefaultTtl(Duration ttl) {
    return new CaSettings(
        trustDomain, caKeyType, workloadKeyType, ttl, maxTtl, rootTtl, backdate, crypto);
  }

  public CaSettings withMaxTtl(Duration ttl) {
    return new CaSettings(
        trustDomain, caKeyType, workloadKeyType, defaultTtl, ttl, rootTtl, backdate, crypto);
  }

  public CaSettings withCrypto(CryptoBackend backend) {
    return new CaSettings(
        trustDomain, caKeyType, workloadKeyType, defaultTtl, maxTtl, rootTtl, backdate, backend);
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("CA settings: " + name + " " + d + " must be positive");
    }
  }
}
