package io.outrigger.certs;

/** Proves who is calling from the Kubernetes service-account token it presents. */
public interface CallerAuthenticator {

  /**
   * @param bearerToken the token without the {@code Bearer } prefix; null or blank when none was
   *     sent
   * @return the namespace and service account the token proves
   * @throws AuthenticationException when the token proves nothing, with the reason
   */
  WorkloadIdentity authenticate(String bearerToken) throws AuthenticationException;

  /**
   * The identity and, when the token says so, the pod it is bound to. Authenticators that cannot
   * see a binding (JWT verification of host-mode tokens) report none.
   */
  default AuthenticatedCaller authenticateCaller(String bearerToken)
      throws AuthenticationException {
    return AuthenticatedCaller.of(authenticate(bearerToken));
  }
}
