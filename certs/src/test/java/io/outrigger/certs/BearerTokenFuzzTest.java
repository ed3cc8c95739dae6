package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.outrigger.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes bearer tokens through the verifier the CA and the xDS TLS port use
 * (JwtCallerAuthenticator). An even first byte makes the rest a raw token (the parser and the
 * signature check); otherwise the rest is a claims document signed with the trusted key, so the
 * claims parsing and checks behind a valid signature are fuzzed too. Every token is an identity or
 * an AuthenticationException with a reason; a fuzzed token is accepted only with a valid signature,
 * the right issuer and audience, an expiry in the future and a service-account subject.
 */
class BearerTokenFuzzTest {
  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private static final FuzzRuns RUNS = new FuzzRuns("bearer-token", AuthenticationException.class);
  private static final ECKey KEY;
  private static final JwtCallerAuthenticator VERIFIER;

  static {
    try {
      KEY = new ECKeyGenerator(Curve.P_256).keyID("fuzz").generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
    VERIFIER =
        new JwtCallerAuthenticator(
            new JWKSet(KEY.toPublicJWK()), ISSUER, List.of("outrigger"), Clock.systemUTC());
  }

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "\"iss\"",
    "\"sub\"",
    "\"aud\"",
    "\"exp\"",
    "\"nbf\"",
    "\"iat\"",
    "\"kubernetes.io\"",
    "system:serviceaccount:",
    "\"outrigger\"",
    "https://kubernetes.default.svc.cluster.local",
    "9999999999",
    "eyJhbGciOiJub25lIn0",
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZ1enoifQ",
    "\"serviceaccount\""
  })
  void everyTokenIsAnIdentityOrARefusalWithAReason(byte[] input) throws Exception {
    RUNS.run(
        () -> {
          String rest =
              input.length == 0
                  ? ""
                  : new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
          String token = input.length > 0 && input[0] % 2 == 0 ? rest : signed(rest);
          try {
            WorkloadIdentity id = VERIFIER.authenticate(token);
            assertThat(token).as("a token that was accepted").doesNotStartWith("eyJhbGciOiJub25l");
            assertThat(id.namespace()).isNotBlank();
            assertThat(id.serviceAccount()).isNotBlank();
          } catch (AuthenticationException e) {
            assertThat(e.reason()).isNotNull();
            assertThat(e.getMessage()).isNotBlank();
            throw e;
          }
        });
  }

  private static String signed(String claims) throws com.nimbusds.jose.JOSEException {
    JWSObject jws =
        new JWSObject(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(KEY.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            new Payload(claims));
    jws.sign(new ECDSASigner(KEY));
    return jws.serialize();
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
  }
}
