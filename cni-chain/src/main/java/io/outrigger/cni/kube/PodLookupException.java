package io.outrigger.cni.kube;

/** A pod could not be read from the Kubernetes API; the message names the pod and the reason. */
public final class PodLookupException extends Exception {
  private static final long serialVersionUID = 1L;

  public PodLookupException(String message, Throwable cause) {
    super(message, cause);
  }
}
