package io.outrigger.certs;

/** A CA operation failed for a reason the operator can act on (the message names the object). */
public class CaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CaException(String message) {
    super(message);
  }

  public CaException(String message, Throwable cause) {
    super(message, cause);
  }
}
