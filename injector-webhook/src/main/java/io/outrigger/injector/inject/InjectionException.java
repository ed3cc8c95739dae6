package io.outrigger.injector.inject;

/** A pod asked for something the injector cannot do; the message names the pod and the reason. */
public final class InjectionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InjectionException(String message) {
    super(message);
  }
}
