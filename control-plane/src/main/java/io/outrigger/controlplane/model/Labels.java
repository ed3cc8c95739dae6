package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * Label selection as Kubernetes does it: every selector entry must be present with the same value.
 */
public final class Labels {
  private Labels() {}

  public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
