package io.outrigger.sidecar;

/**
 * The user and group Envoy runs as in a pod. The capture rules exempt that owner's traffic (so
 * Envoy's own connections are not captured again), which is also why an app must never run as it.
 */
public final class ProxyUser {

  public static final int UID = 1337;
  public static final int GID = 1337;

  private ProxyUser() {}
}
