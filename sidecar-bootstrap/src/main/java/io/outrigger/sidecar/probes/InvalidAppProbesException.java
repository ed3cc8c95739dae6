package io.outrigger.sidecar.probes;

/**
 * The app-probes annotation cannot be read; the message names the annotation, the path and the
 * reason.
 */
public final class InvalidAppProbesException extends Exception {

  public InvalidAppProbesException(String reason) {
    super(reason);
  }
}
