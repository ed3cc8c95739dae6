package io.outrigger.certs;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.outrigger.certs.AuthenticationException.Reason;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies Kubernetes projected service-account tokens offline, against the issuer's public keys (a
 * JWKS, as served at the API server's {@code /openid/v1/jwks}, or host mode's own key). Checks the
 * signature, issuer, audience, expiry and not-before, then reads {@code ns/sa} from the {@code sub}
 * and {@code kubernetes.io} claims.
 */
public final class JwtCallerAuthenticator implements CallerAuthenticator {

  /**
   * Asymmetric algorithms only: an HMAC token would need the verifier to hold the signing secret.
   */
  private static final Set<JWSAlgorithm> ALLOWED =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384);

  private static final Duration LEEWAY = Duration.ofSeconds(30);

  /**
   * Longest token parsed (docs/limits.md): service-account tokens are 1-2 KiB; gRPC already bounds
   * the header at 8 KiB, this bounds what any caller of {@link #authenticate} hands over.
   */
  public static final int MAX_TOKEN_CHARS = 16 * 1024;

  private final List<JWK> keys;
  private final String issuer;
  private final List<String> audiences;
  private final Clock clock;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

  public JwtCallerAuthenticator(JWKSet keys, String issuer, List<String> audiences, Clock clock) {
    this.keys = List.copyOf(Objects.requireNonNull(keys, "keys").getKeys());
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.audiences = List.copyOf(audiences);
    this.clock = clock;
    if (this.keys.isEmpty()) {
      throw new IllegalArgumentException("JWT verifier for " + issuer + ": the key set is empty");
    }
    if (this.audiences.isEmpty()) {
      throw new IllegalArgumentException(
          "JWT verifier for " + issuer + ": at least one audience is required");
    }
  }

  /** From a JWKS document (JSON). */
  public static JwtCallerAuthenticator fromJwks(
      String jwksJson, String issuer, List<String> audiences) {
    try {
      return new JwtCallerAuthenticator(
          JWKSet.parse(jwksJson), issuer, audiences, Clock.systemUTC());
    } catch (ParseException e) {
      throw new IllegalArgumentException(
          "JWKS for issuer " + issuer + " is not valid: " + e.getMessage(), e);
    }
  }

  /** From bare RSA or EC public keys (e.g. the API server's {@code --service-account-key-file}). */
  public static JwtCallerAuthenticator fromPublicKeys(
      List<PublicKey> publicKeys, String issuer, List<String> audiences, Clock clock) {
    List<JWK> jwks = new ArrayList<>();
    for (PublicKey key : publicKeys) {
      if (key instanceof RSAPublicKey rsa) {
        jwks.add(new RSAKey.Builder(rsa).build());
      } else if (key instanceof ECPublicKey ec) {
        jwks.add(
            new ECKey.Builder(com.nimbusds.jose.jwk.Curve.forECParameterSpec(ec.getParams()), ec)
                .build());
      } else {
        throw new IllegalArgumentException(
            "JWT verifier for "
                + issuer
                + ": "
                + key.getAlgorithm()
                + " public keys are not supported (use RSA or EC)");
      }
    }
    return new JwtCallerAuthenticator(new JWKSet(jwks), issuer, audiences, clock);
  }

  @Override
  public WorkloadIdentity authenticate(String bearerToken) throws AuthenticationException {
    if (bearerToken == null || bearerToken.isBlank()) {
      throw new AuthenticationException(
          Reason.MISSING_TOKEN,
          "no token: send the service-account token as 'authorization: Bearer <token>'");
    }
    if (bearerToken.length() > MAX_TOKEN_CHARS) {
      throw new AuthenticationException(
          Reason.MALFORMED,
          "token is "
              + bearerToken.length()
              + " characters, longer than the limit of "
              + MAX_TOKEN_CHARS);
    }
    SignedJWT jwt = signed(bearerToken.strip());
    verifySignature(jwt);
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new AuthenticationException(
          Reason.MALFORMED, "token claims are not valid JSON: " + e.getMessage());
    }
    checkClaims(claims);
    return KubernetesClaims.identity(claims);
  }

  private static SignedJWT signed(String token) throws AuthenticationException {
    if (isAlgNone(token)) {
      throw new AuthenticationException(
          Reason.UNSIGNED, "token is unsigned (alg: none); a signed token is required");
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new AuthenticationException(Reason.MALFORMED, "token is not a JWT: " + e.getMessage());
    }
    if (jwt instanceof PlainJWT) {
      throw new AuthenticationException(
          Reason.UNSIGNED, "token is unsigned (alg: none); a signed token is required");
    }
    if (!(jwt instanceof SignedJWT signed)) {
      throw new AuthenticationException(
          Reason.MALFORMED, "token is encrypted; a signed JWT is required");
    }
    return signed;
  }

  // Checked on the raw header so that "alg: none" with a stray signature part is still named as
  // such.
  private static boolean isAlgNone(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      return Algorithm.NONE.equals(
          Header.parse(new Base64URL(token.substring(0, dot))).getAlgorithm());
    } catch (ParseException e) {
      return false;
    }
  }

  private void verifySignature(SignedJWT jwt) throws AuthenticationException {
    JWSHeader header = jwt.getHeader();
    if (!ALLOWED.contains(header.getAlgorithm())) {
      throw new AuthenticationException(
          Reason.UNSUPPORTED_ALGORITHM,
          "token is signed with " + header.getAlgorithm() + "; accepted: RS*, PS*, ES256, ES384");
    }
    for (JWK jwk : keys) {
      if (header.getKeyID() != null
          && jwk.getKeyID() != null
          && !header.getKeyID().equals(jwk.getKeyID())) {
        continue;
      }
      if (verifiesWith(jwt, header, jwk)) {
        return;
      }
    }
    throw new AuthenticationException(
        Reason.BAD_SIGNATURE,
        "token signature does not verify with any key of issuer "
            + issuer
            + (header.getKeyID() == null ? "" : " (kid " + header.getKeyID() + ")"));
  }

  private boolean verifiesWith(SignedJWT jwt, JWSHeader header, JWK jwk) {
    try {
      Key key =
          switch (jwk) {
            case RSAKey rsa -> rsa.toRSAPublicKey();
            case ECKey ec -> ec.toECPublicKey();
            default -> null;
          };
      return key != null && jwt.verify(verifiers.createJWSVerifier(header, key));
    } catch (JOSEException | IllegalStateException e) {
      return false; // this key does not fit this algorithm; another key of the set may
    }
  }

  private void checkClaims(JWTClaimsSet claims) throws AuthenticationException {
    if (!issuer.equals(claims.getIssuer())) {
      throw new AuthenticationException(
          Reason.WRONG_ISSUER,
          "token issuer '" + claims.getIssuer() + "' is not the trusted issuer '" + issuer + "'");
    }
    List<String> tokenAudiences = claims.getAudience();
    if (tokenAudiences.stream().noneMatch(audiences::contains)) {
      throw new AuthenticationException(
          Reason.WRONG_AUDIENCE,
          "token audiences "
              + tokenAudiences
              + " include none of "
              + audiences
              + " (request a projected token with audience "
              + audiences.get(0)
              + ")");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new AuthenticationException(
          Reason.MALFORMED, "token has no expiry (exp); tokens must expire");
    }
    if (exp.toInstant().plus(LEEWAY).isBefore(now)) {
      throw new AuthenticationException(
          Reason.EXPIRED,
          "token expired at "
              + exp.toInstant()
              + " (now "
              + now
              + "); the kubelet refreshes projected tokens");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.toInstant().minus(LEEWAY).isAfter(now)) {
      throw new AuthenticationException(
          Reason.NOT_YET_VALID,
          "token is not valid before " + nbf.toInstant() + " (now " + now + "); check the clocks");
    }
  }

  /** Reads {@code ns/sa} from Kubernetes-shaped claims. */
  static final class KubernetesClaims {
    private KubernetesClaims() {}

    static WorkloadIdentity identity(JWTClaimsSet claims) throws AuthenticationException {
      WorkloadIdentity fromSubject;
      try {
        fromSubject = WorkloadIdentity.fromKubernetesUsername(claims.getSubject());
      } catch (IllegalArgumentException e) {
        throw new AuthenticationException(
            Reason.NOT_A_SERVICE_ACCOUNT, "token subject: " + e.getMessage());
      }
      Object k8s = claims.getClaim("kubernetes.io");
      if (k8s instanceof Map<?, ?> map) {
        Object ns = map.get("namespace");
        Object sa = map.get("serviceaccount") instanceof Map<?, ?> m ? m.get("name") : null;
        if (!fromSubject.namespace().equals(ns) || !fromSubject.serviceAccount().equals(sa)) {
          throw new AuthenticationException(
              Reason.MALFORMED,
              "token subject "
                  + claims.getSubject()
                  + " disagrees with its kubernetes.io claim (namespace "
                  + ns
                  + ", serviceaccount "
                  + sa
                  + ")");
        }
      }
      return fromSubject;
    }
  }
}
