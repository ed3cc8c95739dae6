package io.outrigger.certs;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.certs.AuthenticationException.Reason;
import java.util.List;
import java.util.Objects;

/**
 * Asks the Kubernetes API server whether a token is valid (a TokenReview), for the audiences the
 * mesh accepts. The API server checks signature, expiry, and that the pod and service account
 * bound to the token still exist, which an offline check cannot.
 */
public final class TokenReviewCallerAuthenticator implements CallerAuthenticator {

  private final KubernetesClient client;
  private final List<String> audiences;

  public TokenReviewCallerAuthenticator(KubernetesClient client, List<String> audiences) {
    this.client = Objects.requireNonNull(client, "client");
    this.audiences = List.copyOf(audiences);
    if (this.audiences.isEmpty()) {
      throw new IllegalArgumentException("TokenReview verifier: at least one audience is required");
    }
  }

  @Override
  public WorkloadIdentity authenticate(String bearerToken) throws AuthenticationException {
    if (bearerToken == null || bearerToken.isBlank()) {
      throw new AuthenticationException(Reason.MISSING_TOKEN,
          "no token: send the service-account token as 'authorization: Bearer <token>'");
    }
    TokenReview request = new TokenReviewBuilder()
        .withNewSpec().withToken(bearerToken.strip()).withAudiences(audiences).endSpec()
        .build();
    TokenReview response;
    try {
      response = client.authentication().v1().tokenReviews().create(request);
    } catch (KubernetesClientException e) {
      throw new AuthenticationException(Reason.REVIEW_FAILED,
          "TokenReview request to the API server failed (HTTP " + e.getCode() + "): " + e.getMessage()
              + "; the control plane needs RBAC to create tokenreviews.authentication.k8s.io", e);
    }
    TokenReviewStatus status = response == null ? null : response.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      String error = status == null || status.getError() == null ? "token not authenticated" : status.getError();
      throw new AuthenticationException(Reason.REJECTED_BY_API_SERVER, "API server rejected the token: " + error);
    }
    List<String> granted = status.getAudiences() == null ? List.of() : status.getAudiences();
    if (granted.stream().noneMatch(audiences::contains)) {
      throw new AuthenticationException(Reason.WRONG_AUDIENCE, "API server authenticated the token for audiences "
          + granted + ", none of " + audiences + " (request a projected token with audience " + audiences.get(0) + ")");
    }
    String username = status.getUser() == null ? null : status.getUser().getUsername();
    try {
      return WorkloadIdentity.fromKubernetesUsername(username);
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(Reason.NOT_A_SERVICE_ACCOUNT, "token: " + e.getMessage());
    }
  }
}
