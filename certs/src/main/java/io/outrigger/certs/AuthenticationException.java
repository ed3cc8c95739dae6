package io.outrigger.certs;

/** A caller's token was refused; {@link #reason()} says why in terms the caller can act on. */
public final class AuthenticationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why; {@link #label()} is the {@code reason} tag of the CA's rejection counter. */
  public enum Reason {
    MISSING_TOKEN("token_missing"),
    MALFORMED("token_malformed"),
    UNSIGNED("token_unsigned"),
    UNSUPPORTED_ALGORITHM("token_unsupported_algorithm"),
    BAD_SIGNATURE("token_bad_signature"),
    WRONG_ISSUER("token_wrong_issuer"),
    WRONG_AUDIENCE("token_wrong_audience"),
    EXPIRED("token_expired"),
    NOT_YET_VALID("token_not_yet_valid"),
    NOT_A_SERVICE_ACCOUNT("token_not_service_account"),
    REJECTED_BY_API_SERVER("token_rejected_by_api_server"),
    REVIEW_FAILED("token_review_failed"),
    /**
     * The review could not be done (no answer in time, the API server unreachable, overloaded or
     * failing): nothing is known about the token, so the caller should retry (gRPC UNAVAILABLE).
     */
    REVIEW_UNAVAILABLE("token_review_unavailable");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  public AuthenticationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public AuthenticationException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
