package io.outrigger.testsupport;

import java.util.Locale;

/**
 * The tier-5 node's primary CNI, the network outrigger-cni chains after. {@link #BRIDGE}: a
 * conflist of Debian's {@code bridge} (host-local IPAM on the pod CIDR) and {@code portmap},
 * written by the harness. {@link #FLANNEL}: flanneld (kube subnet manager, host-gw backend) and the
 * conflist Flannel's installer writes ({@code flannel}, which delegates to {@code bridge} and
 * {@code host-local}, then {@code portmap}). The same tier-5 tests run on both: the system property
 * {@value #PROPERTY} ({@code bridge}, the default, or {@code flannel}) picks one per test JVM.
 */
public enum PrimaryCni {
  BRIDGE,
  FLANNEL;

  public static final String PROPERTY = "outrigger.tier5.primaryCni";

  /** The primary CNI this test JVM's cluster runs: {@value #PROPERTY}, {@link #BRIDGE} if unset. */
  public static PrimaryCni configured() {
    String value = System.getProperty(PROPERTY, "").strip();
    if (value.isEmpty()) {
      return BRIDGE;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "system property " + PROPERTY + "=" + value + ": not a primary CNI (bridge or flannel)",
          e);
    }
  }

  /** Lower case, as the property names it. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
