package io.outrigger.injector.inject;

import java.util.Locale;

/** Why a pod was left alone; the metric label is the lower-case name. */
public enum SkipReason {
  HOST_NETWORK,
  PROTECTED_NAMESPACE,
  ALREADY_INJECTED,
  ISTIO_INJECTED,
  OPTED_OUT,
  NAMESPACE_NOT_ENABLED,
  REVISION_MISMATCH;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
