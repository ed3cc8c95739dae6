package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostModeTokensTest {

  private static final String ISSUER = "outrigger-host";
  private static final WorkloadIdentity REVIEWS = new WorkloadIdentity("default", "reviews");

  @Test
  void mintsKubernetesShapedTokensThatItsVerifierAccepts(@TempDir Path caDir) throws Exception {
    HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, ISSUER);
    String token = tokens.mint(REVIEWS, List.of("outrigger"), Duration.ofMinutes(10));

    var claims = SignedJWT.parse(token).getJWTClaimsSet();
    assertThat(SignedJWT.parse(token).getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    assertThat(claims.getIssuer()).isEqualTo(ISSUER);
    assertThat(claims.getSubject()).isEqualTo("system:serviceaccount:default:reviews");
    assertThat(claims.getAudience()).containsExactly("outrigger");
    assertThat(claims.getExpirationTime()).isAfter(claims.getIssueTime());
    assertThat(claims.getNotBeforeTime()).isNotNull();
    assertThat(claims.getJSONObjectClaim("kubernetes.io"))
        .containsEntry("namespace", "default")
        .containsEntry("serviceaccount", Map.of("name", "reviews"));

    assertThat(tokens.verifier(List.of("outrigger")).authenticate(token)).isEqualTo(REVIEWS);
    assertThat(
            JwtCallerAuthenticator.fromJwks(tokens.jwks(), ISSUER, List.of("outrigger"))
                .authenticate(token))
        .isEqualTo(REVIEWS);
  }

  @Test
  void mintingOutsideTheControlPlaneRefusesADirectoryWithoutACaAndWritesNothingThere(
      @TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> HostModeTokens.ofExistingCa(dir, ISSUER))
        .isInstanceOf(CaException.class)
        .hasMessageStartingWith(
            "no CA in " + dir + ": none of ca-cert.pem, ca-key.pem, root-cert.pem is there");
    assertThat(dir).isEmptyDirectory();

    MeshCa.loadOrInit(dir, CaSettings.defaults());
    String token =
        HostModeTokens.ofExistingCa(dir, ISSUER)
            .mint(REVIEWS, List.of("outrigger"), Duration.ofMinutes(5));
    assertThat(
            HostModeTokens.loadOrInit(dir, ISSUER)
                .verifier(List.of("outrigger"))
                .authenticate(token))
        .isEqualTo(REVIEWS);
  }

  @Test
  void keyIsWritten0600AndReusedAfterRestart(@TempDir Path caDir) throws Exception {
    String token =
        HostModeTokens.loadOrInit(caDir, ISSUER)
            .mint(REVIEWS, List.of("outrigger"), Duration.ofMinutes(5));
    assertThat(Files.getPosixFilePermissions(caDir.resolve(HostModeTokens.KEY_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    HostModeTokens restarted = HostModeTokens.loadOrInit(caDir, ISSUER);
    assertThat(restarted.verifier(List.of("outrigger")).authenticate(token)).isEqualTo(REVIEWS);
  }

  @Test
  void anotherControlPlanesTokensAreRefused(@TempDir Path caDir, @TempDir Path otherDir) {
    String foreign =
        HostModeTokens.loadOrInit(otherDir, ISSUER)
            .mint(REVIEWS, List.of("outrigger"), Duration.ofMinutes(5));
    AuthenticationException e =
        catchThrowableOfType(
            AuthenticationException.class,
            () ->
                HostModeTokens.loadOrInit(caDir, ISSUER)
                    .verifier(List.of("outrigger"))
                    .authenticate(foreign));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(AuthenticationException.Reason.BAD_SIGNATURE);
  }

  @Test
  void tokensForAnotherAudienceAreRefused(@TempDir Path caDir) {
    HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, ISSUER);
    String token = tokens.mint(REVIEWS, List.of("something-else"), Duration.ofMinutes(5));
    AuthenticationException e =
        catchThrowableOfType(
            AuthenticationException.class,
            () -> tokens.verifier(List.of("outrigger")).authenticate(token));
    assertThat(e.reason()).isEqualTo(AuthenticationException.Reason.WRONG_AUDIENCE);
  }

  @Test
  void refusesAKeyFileOthersCanRead(@TempDir Path caDir) throws Exception {
    HostModeTokens.loadOrInit(caDir, ISSUER);
    Path key = caDir.resolve(HostModeTokens.KEY_FILE);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> HostModeTokens.loadOrInit(caDir, ISSUER))
        .isInstanceOf(CaException.class)
        .hasMessageContaining(key.toString())
        .hasMessageContaining("group and others must have no access");
  }
}
