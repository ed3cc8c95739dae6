package io.outrigger.cni.capture;

/**
 * Capture rules could not be read, written or removed in a pod's netns; the message says which tool
 * failed and why.
 */
public final class CaptureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CaptureException(String message) {
    super(message);
  }

  public CaptureException(String message, Throwable cause) {
    super(message, cause);
  }
}
