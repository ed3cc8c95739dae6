package io.outrigger.certs;

import java.util.Objects;
import java.util.Optional;

/**
 * The pod a service-account token is bound to (a projected token the kubelet requested for that
 * pod), as the API server reports it in a TokenReview: {@code user.extra} keys {@code
 * authentication.kubernetes.io/pod-name} and {@code authentication.kubernetes.io/pod-uid}. The
 * namespace is the token's service account's.
 *
 * @param uid empty when the API server did not report one
 */
public record BoundPod(String name, Optional<String> uid) {

  public BoundPod {
    Objects.requireNonNull(name, "bound pod name");
    Objects.requireNonNull(uid, "bound pod uid");
  }

  @Override
  public String toString() {
    return name + uid.map(u -> " (uid " + u + ")").orElse("");
  }
}
