package io.outrigger.certs;

/** The CA refused a certificate signing request; nothing was issued. */
public final class CsrRejectedException extends CaException {
  private static final long serialVersionUID = 1L;

  /** Why a CSR was refused; {@link #label()} is the {@code reason} tag of the rejection counter. */
  public enum Reason {
    MALFORMED("malformed_csr"),
    BAD_SIGNATURE("bad_signature"),
    WEAK_KEY("weak_key"),
    UNSUPPORTED_KEY("unsupported_key"),
    URI_SAN_COUNT("uri_san_count"),
    NON_URI_SAN("non_uri_san"),
    IDENTITY_MISMATCH("identity_mismatch");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  public CsrRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
