package io.outrigger.cni.capture;

/**
 * A pod annotation that cannot be turned into capture rules; the message names pod, key and reason.
 */
public final class InvalidAnnotationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidAnnotationException(String message) {
    super(message);
  }
}
