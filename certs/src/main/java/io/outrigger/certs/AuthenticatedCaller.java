package io.outrigger.certs;

import java.util.Objects;
import java.util.Optional;

/**
 * What a token proves: the caller's {@code ns/sa}, and the pod the token is bound to when the
 * authenticator can tell (TokenReview of a pod-bound projected token).
 */
public record AuthenticatedCaller(WorkloadIdentity identity, Optional<BoundPod> pod) {

  public AuthenticatedCaller {
    Objects.requireNonNull(identity, "caller identity");
    Objects.requireNonNull(pod, "caller pod");
  }

  public static AuthenticatedCaller of(WorkloadIdentity identity) {
    return new AuthenticatedCaller(identity, Optional.empty());
  }
}
