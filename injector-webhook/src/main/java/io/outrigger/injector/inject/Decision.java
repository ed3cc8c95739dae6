package io.outrigger.injector.inject;

/** Whether to inject a pod, and when not, the reason a user can read. */
public record Decision(SkipReason skip, String reason) {

  public static Decision inject(String reason) {
    return new Decision(null, reason);
  }

  public static Decision skip(SkipReason skip, String reason) {
    return new Decision(skip, reason);
  }

  public boolean injects() {
    return skip == null;
  }
}
