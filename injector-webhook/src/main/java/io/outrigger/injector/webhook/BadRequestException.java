package io.outrigger.injector.webhook;

/** The request cannot be answered as an AdmissionReview; the HTTP status and message say why. */
final class BadRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  BadRequestException(int status, String message) {
    super(message);
    this.status = status;
  }

  int status() {
    return status;
  }
}
