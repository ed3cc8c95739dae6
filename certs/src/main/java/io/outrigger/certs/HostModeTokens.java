package io.outrigger.certs;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.outrigger.certs.x509.CaFiles;
import io.outrigger.certs.x509.KeyFiles;
import io.outrigger.certs.x509.Keys;
import io.outrigger.certs.x509.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host mode's stand-in for the Kubernetes token issuer: an ES256 key kept in the CA directory
 * ({@code host-token-key.pem}, 0600) signs tokens shaped like projected service-account tokens, so
 * sidecars prove their identity the same way with or without Kubernetes.
 */
public final class HostModeTokens {

  public static final String KEY_FILE = "host-token-key.pem";
  private static final Logger log = LoggerFactory.getLogger(HostModeTokens.class);

  private final ECKey key;
  private final String issuer;
  private final Clock clock;

  private HostModeTokens(ECKey key, String issuer, Clock clock) {
    this.key = key;
    this.issuer = issuer;
    this.clock = clock;
  }

  public static HostModeTokens loadOrInit(Path caDir, String issuer) {
    return loadOrInit(caDir, issuer, Clock.systemUTC());
  }

  public static HostModeTokens loadOrInit(Path caDir, String issuer, Clock clock) {
    Path file = caDir.resolve(KEY_FILE);
    ECPrivateKey privateKey;
    if (Files.exists(file)) {
      if (!(Pem.readPrivateKey(KeyFiles.readSecret(file), file.toString())
          instanceof ECPrivateKey ec)) {
        throw new CaException("host token key " + file + ": must be an EC P-256 key");
      }
      privateKey = ec;
    } else {
      KeyPair pair = Keys.generate(KeyType.EC_P256, new SecureRandom());
      KeyFiles.writeSecret(file, Pem.privateKey(pair.getPrivate()));
      privateKey = (ECPrivateKey) pair.getPrivate();
      log.info("event=host_token_key_created file={}", file);
    }
    return new HostModeTokens(toJwk(privateKey, file), issuer, clock);
  }

  /**
   * The tokens of the control plane whose CA is in {@code caDir}, for minting outside it ({@code
   * outrigger token}): a directory without a CA is refused, so a mistyped one does not get a new
   * key whose tokens no control plane accepts.
   */
  public static HostModeTokens ofExistingCa(Path caDir, String issuer) {
    new CaFiles(caDir).requireCa();
    return loadOrInit(caDir, issuer);
  }

  public String issuer() {
    return issuer;
  }

  /**
   * A token for {@code id}: {@code iss}, {@code sub = system:serviceaccount:<ns>:<sa>}, {@code
   * aud}, {@code iat}/{@code nbf}/{@code exp}, and the {@code kubernetes.io} claim, like the
   * kubelet's.
   */
  public String mint(WorkloadIdentity id, List<String> audiences, Duration ttl) {
    if (audiences.isEmpty()) {
      throw new IllegalArgumentException(
          "host-mode token for " + id + ": at least one audience is required");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException(
          "host-mode token for " + id + ": TTL " + ttl + " must be positive");
    }
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(id.kubernetesUsername())
            .audience(audiences)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(UUID.randomUUID().toString())
            .claim(
                "kubernetes.io",
                Map.of(
                    "namespace", id.namespace(),
                    "serviceaccount", Map.of("name", id.serviceAccount())))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new CaException("host-mode token for " + id + ": signing failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** The public key as a JWKS document, for verifiers in other processes. */
  public String jwks() {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  /** A verifier for tokens this key minted, accepting any of {@code audiences}. */
  public CallerAuthenticator verifier(List<String> audiences) {
    return new JwtCallerAuthenticator(new JWKSet(key.toPublicJWK()), issuer, audiences, clock);
  }

  private static ECKey toJwk(ECPrivateKey privateKey, Path file) {
    try {
      ECPublicKey publicKey = publicKeyOf(privateKey);
      ECKey jwk = new ECKey.Builder(Curve.P_256, publicKey).privateKey(privateKey).build();
      return new ECKey.Builder(jwk).keyID(jwk.computeThumbprint().toString()).build();
    } catch (JOSEException | java.security.GeneralSecurityException | IllegalArgumentException e) {
      throw new CaException(
          "host token key " + file + ": not a usable EC P-256 key: " + e.getMessage(), e);
    }
  }

  // PKCS#8 EC keys need not carry the public point; derive it (Q = d·G) so the file holds one
  // secret only.
  private static ECPublicKey publicKeyOf(ECPrivateKey privateKey)
      throws java.security.GeneralSecurityException {
    org.bouncycastle.jce.spec.ECNamedCurveParameterSpec spec =
        org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("secp256r1");
    org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(privateKey.getS()).normalize();
    ECPoint point =
        new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
    return (ECPublicKey)
        KeyFactory.getInstance("EC")
            .generatePublic(new ECPublicKeySpec(point, privateKey.getParams()));
  }
}
