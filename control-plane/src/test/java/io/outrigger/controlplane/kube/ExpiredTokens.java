package io.outrigger.controlplane.kube;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.outrigger.certs.x509.Pem;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Tokens the TokenRequest API will not mint: only the expiry differs from a real one. */
final class ExpiredTokens {
  private ExpiredTokens() {}

  /**
   * A token like a TokenRequest one (the API server's signing key, issuer and claims) that expired an hour
   * ago: the API server's own verdict on expiry is what a test then sees.
   */
  static String expired(KubeTestCluster cluster, String namespace, String serviceAccount, List<String> audiences) {
    ServiceAccount account = cluster.admin().serviceAccounts().inNamespace(namespace).withName(serviceAccount).get();
    Instant issued = Instant.now().minus(Duration.ofHours(2));
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(cluster.server().issuer())
        .subject("system:serviceaccount:" + namespace + ":" + serviceAccount).audience(audiences)
        .issueTime(Date.from(issued)).notBeforeTime(Date.from(issued))
        .expirationTime(Date.from(issued.plus(Duration.ofHours(1)))).jwtID(UUID.randomUUID().toString())
        .claim("kubernetes.io", Map.of("namespace", namespace, "serviceaccount",
            Map.of("name", serviceAccount, "uid", account.getMetadata().getUid())))
        .build();
    try {
      Path keyFile = cluster.server().serviceAccountSigningKey();
      ECPrivateKey key = (ECPrivateKey) Pem.readPrivateKey(Files.readString(keyFile), keyFile.toString());
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
  }
}
