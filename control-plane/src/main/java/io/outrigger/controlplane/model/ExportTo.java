package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Set;

/**
 * The namespaces a Service, ServiceEntry, VirtualService or DestinationRule is visible to, Istio's
 * {@code exportTo}: {@code *} every namespace (the default when unset), {@code .} the object's own
 * namespace, {@code ~} none, or namespace names.
 *
 * @param entries the values as written, validated
 */
public record ExportTo(Set<String> entries) {
  /** Unset {@code exportTo}: visible everywhere, as Istio's default mesh config says. */
  public static final ExportTo EVERYWHERE = new ExportTo(Set.of("*"));

  public ExportTo {
    entries = Set.copyOf(entries);
  }

  /**
   * The {@code exportTo} list of an object, null or empty meaning {@link #EVERYWHERE}.
   *
   * @throws IllegalArgumentException naming the bad entry: {@code ~} with others, a malformed name
   */
  public static ExportTo of(List<String> values) {
    if (values == null || values.isEmpty()) {
      return EVERYWHERE;
    }
    for (String v : values) {
      if (v == null || !(v.equals("*") || v.equals(".") || v.equals("~") || isNamespace(v))) {
        throw new IllegalArgumentException("\"" + v + "\" is neither *, ., ~ nor a namespace name");
      }
    }
    if (values.contains("~") && values.size() > 1) {
      throw new IllegalArgumentException(
          "~ (visible nowhere) cannot be combined with other values");
    }
    return new ExportTo(Set.copyOf(values));
  }

  /** True when an object of {@code ownNamespace} is visible to proxies of {@code namespace}. */
  public boolean visibleTo(String namespace, String ownNamespace) {
    return entries.contains("*")
        || entries.contains(namespace)
        || (entries.contains(".") && ownNamespace.equals(namespace));
  }

  /** True unless the object is hidden from some namespace. */
  public boolean everywhere() {
    return entries.contains("*");
  }

  private static boolean isNamespace(String v) {
    return v.length() <= 63 && v.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }
}
