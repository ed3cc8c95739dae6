package io.outrigger.certs;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.certs.AuthenticationException.Reason;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Asks the Kubernetes API server whether a token is valid (a TokenReview), for the audiences the
 * mesh accepts. The API server checks signature, expiry, and that the pod and service account bound
 * to the token still exist, which an offline check cannot.
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

  /** TokenReview {@code user.extra} keys of a pod-bound token. */
  static final String POD_NAME = "authentication.kubernetes.io/pod-name";

  static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  @Override
  public WorkloadIdentity authenticate(String bearerToken) throws AuthenticationException {
    return authenticateCaller(bearerToken).identity();
  }

  @Override
  public AuthenticatedCaller authenticateCaller(String bearerToken) throws AuthenticationException {
    if (bearerToken == null || bearerToken.isBlank()) {
      throw new AuthenticationException(
          Reason.MISSING_TOKEN,
          "no token: send the service-account token as 'authorization: Bearer <token>'");
    }
    TokenReview request =
        new TokenReviewBuilder()
            .withNewSpec()
            .withToken(bearerToken.strip())
            .withAudiences(audiences)
            .endSpec()
            .build();
    TokenReview response;
    try {
      response = client.authentication().v1().tokenReviews().create(request);
    } catch (KubernetesClientException e) {
      if (unavailable(e.getCode())) {
        throw new AuthenticationException(
            Reason.REVIEW_UNAVAILABLE,
            "TokenReview request to the API server could not be done ("
                + (e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer")
                + ": "
                + describe(e)
                + "); this says nothing about the token: retry",
            e);
      }
      throw new AuthenticationException(
          Reason.REVIEW_FAILED,
          "TokenReview request to the API server failed (HTTP "
              + e.getCode()
              + "): "
              + e.getMessage()
              + "; the control plane needs RBAC to create tokenreviews.authentication.k8s.io",
          e);
    }
    TokenReviewStatus status = response == null ? null : response.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      String error =
          status == null || status.getError() == null
              ? "token not authenticated"
              : status.getError();
      throw new AuthenticationException(
          Reason.REJECTED_BY_API_SERVER, "API server rejected the token: " + error);
    }
    List<String> granted = status.getAudiences() == null ? List.of() : status.getAudiences();
    if (granted.stream().noneMatch(audiences::contains)) {
      throw new AuthenticationException(
          Reason.WRONG_AUDIENCE,
          "API server authenticated the token for audiences "
              + granted
              + ", none of "
              + audiences
              + " (request a projected token with audience "
              + audiences.get(0)
              + ")");
    }
    String username = status.getUser() == null ? null : status.getUser().getUsername();
    WorkloadIdentity identity;
    try {
      identity = WorkloadIdentity.fromKubernetesUsername(username);
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(Reason.NOT_A_SERVICE_ACCOUNT, "token: " + e.getMessage());
    }
    Map<String, List<String>> extra =
        status.getUser().getExtra() == null ? Map.of() : status.getUser().getExtra();
    Optional<BoundPod> pod =
        first(extra, POD_NAME).map(name -> new BoundPod(name, first(extra, POD_UID)));
    return new AuthenticatedCaller(identity, pod);
  }

  /**
   * No answer (a timeout, a refused or broken connection: fabric8 reports no HTTP code), throttled
   * (429) or a server error (5xx): the review was not done. Anything else (401, 403: the control
   * plane's own credentials or RBAC) is a standing misconfiguration.
   */
  private static boolean unavailable(int httpCode) {
    return httpCode <= 0 || httpCode == 429 || httpCode >= 500;
  }

  /** fabric8 wraps a timeout or I/O error with a null message: name the cause instead. */
  private static String describe(KubernetesClientException e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.toString();
  }

  private static Optional<String> first(Map<String, List<String>> extra, String key) {
    List<String> values = extra.get(key);
    return values == null
        ? Optional.empty()
        : values.stream().filter(v -> !v.isBlank()).findFirst();
  }
}
