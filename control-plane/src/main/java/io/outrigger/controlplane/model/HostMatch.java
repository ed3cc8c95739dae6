package io.outrigger.controlplane.model;

/**
 * Istio's host-name matching: a host is a full name ({@code reviews.default.svc.cluster.local}), a
 * wildcard in its left-most label ({@code *.example.com}, which matches any name ending in {@code
 * .example.com}, and {@code *.com}), or {@code *} alone, which matches every name. Matching is
 * case-insensitive, as DNS names are.
 */
public final class HostMatch {
  private HostMatch() {}

  /** True when {@code pattern} (as written in a Sidecar, say) covers the host name {@code host}. */
  public static boolean matches(String pattern, String host) {
    String p = pattern.toLowerCase(java.util.Locale.ROOT);
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (p.equals("*")) {
      return true;
    }
    if (p.startsWith("*")) {
      String suffix = p.substring(1);
      if (h.startsWith("*")) {
        // A wildcard host is covered only by a wildcard at least as wide as itself.
        return h.substring(1).endsWith(suffix);
      }
      return h.endsWith(suffix) && h.length() > suffix.length();
    }
    return p.equals(h);
  }

  /**
   * A host name as Istio accepts it in {@code hosts} fields: DNS labels, optionally {@code *} as
   * the whole first label, or {@code *} alone.
   */
  public static boolean isValid(String host) {
    if (host == null || host.isEmpty() || host.length() > 253) {
      return false;
    }
    if (host.equals("*")) {
      return true;
    }
    String rest = host.startsWith("*.") ? host.substring(2) : host;
    for (String label : rest.split("\\.", -1)) {
      if (!label.matches("[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?")) {
        return false;
      }
    }
    return true;
  }
}
