package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.outrigger.certs.AuthenticationException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The offline verifier against real RS256 tokens signed by nimbus, shaped like the kubelet's
 * projected service-account tokens.
 */
class JwtCallerAuthenticatorTest {

  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private static RSAKey apiServerKey;
  private static RSAKey otherKey;
  private static JwtCallerAuthenticator verifier;

  @BeforeAll
  static void keys() throws Exception {
    apiServerKey = new RSAKeyGenerator(2048).keyID("api-server").generate();
    // Same kid, different key: a forger who knows the key id but not the key.
    otherKey = new RSAKeyGenerator(2048).keyID("api-server").generate();
    verifier =
        JwtCallerAuthenticator.fromJwks(
            new JWKSet(apiServerKey.toPublicJWK()).toString(), ISSUER, List.of("outrigger"));
  }

  private static JWTClaimsSet.Builder claims(Instant issued, Duration ttl) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("system:serviceaccount:default:reviews")
        .audience(List.of("outrigger"))
        .issueTime(Date.from(issued))
        .notBeforeTime(Date.from(issued))
        .expirationTime(Date.from(issued.plus(ttl)))
        .claim(
            "kubernetes.io",
            Map.of("namespace", "default", "serviceaccount", Map.of("name", "reviews")));
  }

  private static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  void acceptsAValidTokenAndReadsTheServiceAccount() throws Exception {
    String token = sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    assertThat(verifier.authenticate(token)).isEqualTo(new WorkloadIdentity("default", "reviews"));
  }

  @Test
  void acceptsAnyConfiguredAudience() throws Exception {
    JwtCallerAuthenticator twoAudiences =
        JwtCallerAuthenticator.fromJwks(
            new JWKSet(apiServerKey.toPublicJWK()).toString(),
            ISSUER,
            List.of("outrigger", "istio-ca"));
    String token =
        sign(
            apiServerKey,
            claims(Instant.now(), Duration.ofMinutes(10)).audience("istio-ca").build());
    assertThat(twoAudiences.authenticate(token).serviceAccount()).isEqualTo("reviews");
  }

  @Test
  void refusesAnExpiredToken() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1)).build());
    assertRefused(token, Reason.EXPIRED, "expired at");
  }

  @Test
  void refusesATokenNotValidYet() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(1)).build());
    assertRefused(token, Reason.NOT_YET_VALID, "not valid before");
  }

  @Test
  void refusesTheWrongAudience() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now(), Duration.ofMinutes(10))
                .audience("https://kubernetes.default.svc")
                .build());
    assertRefused(token, Reason.WRONG_AUDIENCE, "include none of [outrigger]");
  }

  @Test
  void refusesAWrongSignature() throws Exception {
    String token = sign(otherKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    assertRefused(token, Reason.BAD_SIGNATURE, "does not verify");
  }

  @Test
  void refusesATamperedPayload() throws Exception {
    String token = sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    String[] parts = token.split("\\.");
    String forged =
        Base64URL.encode(
                claims(Instant.now(), Duration.ofMinutes(10))
                    .subject("system:serviceaccount:kube-system:admin")
                    .claim(
                        "kubernetes.io",
                        Map.of(
                            "namespace", "kube-system", "serviceaccount", Map.of("name", "admin")))
                    .build()
                    .toString())
            .toString();
    assertRefused(
        parts[0] + "." + forged + "." + parts[2], Reason.BAD_SIGNATURE, "does not verify");
  }

  @Test
  void refusesATokenLongerThanAnyServiceAccountTokenBeforeParsingIt() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now(), Duration.ofMinutes(10))
                .claim("padding", "x".repeat(JwtCallerAuthenticator.MAX_TOKEN_CHARS))
                .build());
    assertRefused(
        token,
        Reason.MALFORMED,
        "token is "
            + token.length()
            + " characters, longer than the limit of "
            + JwtCallerAuthenticator.MAX_TOKEN_CHARS);
  }

  /**
   * A header and claims nested as deep as the length limit allows: a refusal, not a
   * StackOverflowError.
   */
  @Test
  void refusesDeeplyNestedJsonAsMalformed() throws Exception {
    int depth = JwtCallerAuthenticator.MAX_TOKEN_CHARS / 3;
    String nested =
        Base64URL.encode("{\"alg\":\"ES256\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}")
            .toString();
    assertRefused(nested + ".e30.c2ln", Reason.MALFORMED, "not a JWT");
    String signed = sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    String deepClaims =
        Base64URL.encode("{\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}").toString();
    // Claims are parsed only once the signature verifies: a stranger never reaches that parser.
    assertRefused(
        signed.split("\\.")[0] + "." + deepClaims + "." + signed.split("\\.")[2],
        Reason.BAD_SIGNATURE,
        "does not verify");
  }

  @Test
  void refusesAlgNone() throws Exception {
    String unsigned =
        new PlainJWT(claims(Instant.now(), Duration.ofMinutes(10)).build()).serialize();
    assertRefused(unsigned, Reason.UNSIGNED, "alg: none");
    // "none" with a signature part glued on is still unsigned.
    String signed = sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    String glued = unsigned.substring(0, unsigned.length() - 1) + "." + signed.split("\\.")[2];
    assertRefused(glued, Reason.UNSIGNED, "alg: none");
  }

  @Test
  void refusesHmacTokensEvenSignedWithThePublicKey() throws Exception {
    // The classic key-confusion attack: HS256 keyed with the RSA public key's bytes.
    byte[] secret = apiServerKey.toPublicKey().getEncoded();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            claims(Instant.now(), Duration.ofMinutes(10)).build());
    jwt.sign(new MACSigner(secret));
    assertRefused(jwt.serialize(), Reason.UNSUPPORTED_ALGORITHM, "HS256");
  }

  @Test
  void refusesTheWrongIssuer() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now(), Duration.ofMinutes(10)).issuer("https://evil.example").build());
    assertRefused(token, Reason.WRONG_ISSUER, "https://evil.example");
  }

  @Test
  void refusesAUserThatIsNotAServiceAccount() throws Exception {
    String token =
        sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).subject("alice").build());
    assertRefused(token, Reason.NOT_A_SERVICE_ACCOUNT, "'alice' is not a service account");
  }

  @Test
  void refusesASubjectThatDisagreesWithTheKubernetesClaim() throws Exception {
    String token =
        sign(
            apiServerKey,
            claims(Instant.now(), Duration.ofMinutes(10))
                .subject("system:serviceaccount:kube-system:admin")
                .build());
    assertRefused(token, Reason.MALFORMED, "disagrees");
  }

  @Test
  void refusesAMissingOrMalformedToken() {
    assertRefused(null, Reason.MISSING_TOKEN, "no token");
    assertRefused("  ", Reason.MISSING_TOKEN, "no token");
    assertRefused("not-a-jwt", Reason.MALFORMED, "not a JWT");
  }

  @Test
  void verifiesWithBarePublicKeys() throws Exception {
    JwtCallerAuthenticator fromKeys =
        JwtCallerAuthenticator.fromPublicKeys(
            List.of(otherKey.toPublicKey(), apiServerKey.toPublicKey()),
            ISSUER,
            List.of("outrigger"),
            Clock.systemUTC());
    String token = sign(apiServerKey, claims(Instant.now(), Duration.ofMinutes(10)).build());
    assertThat(fromKeys.authenticate(token).namespace()).isEqualTo("default");
  }

  private static void assertRefused(String token, Reason reason, String messagePart) {
    AuthenticationException e =
        catchThrowableOfType(AuthenticationException.class, () -> verifier.authenticate(token));
    assertThat(e).as("token must be refused").isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).contains(messagePart);
  }
}
