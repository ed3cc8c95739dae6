package io.outrigger.certs;

/** Proves who is calling from the Kubernetes service-account token it presents. */
public interface CallerAuthenticator {

  /**
   * @param bearerToken the token without the {@code Bearer } prefix; null or blank when none was sent
   * @return the namespace and service account the token proves
   * @throws AuthenticationException when the token proves nothing, with the reason
   */
  WorkloadIdentity authenticate(String bearerToken) throws AuthenticationException;
}
