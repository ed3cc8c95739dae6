package io.outrigger.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Service-account tokens the TokenRequest API will not mint (one issued hours ago, say), signed
 * with the test API server's own key and carrying the claims TokenRequest writes: such a token
 * differs from a real one in nothing but what the test chose, and the API server's verdict on it is
 * what the test sees.
 */
public final class ServiceAccountTokens {
  private ServiceAccountTokens() {}

  /**
   * @param serviceAccountUid the service account's {@code metadata.uid}, as a real token names it
   */
  public static String sign(
      KubeApiServer server,
      String namespace,
      String serviceAccount,
      String serviceAccountUid,
      List<String> audiences,
      Instant issuedAt,
      Duration lifetime) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(server.issuer())
            .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
            .audience(audiences)
            .issueTime(Date.from(issuedAt))
            .notBeforeTime(Date.from(issuedAt))
            .expirationTime(Date.from(issuedAt.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString())
            .claim(
                "kubernetes.io",
                Map.of(
                    "namespace",
                    namespace,
                    "serviceaccount",
                    Map.of("name", serviceAccount, "uid", serviceAccountUid)))
            .build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
      jwt.sign(new ECDSASigner(signingKey(server)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test service-account token", e);
    }
  }

  /** The server's PKCS#8 PEM signing key. */
  private static ECPrivateKey signingKey(KubeApiServer server) {
    try {
      String pem = Files.readString(server.serviceAccountSigningKey());
      String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
      return (ECPrivateKey)
          KeyFactory.getInstance("EC")
              .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + server.serviceAccountSigningKey(), e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          server.serviceAccountSigningKey() + ": not a PKCS#8 EC key", e);
    }
  }
}
