package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.ExportTo;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code spec.exportTo} of VirtualServices, DestinationRules and ServiceEntries, and a Service's
 * {@code networking.istio.io/exportTo} annotation (a comma-separated list), as {@link ExportTo}.
 */
public final class ExportToConverter {
  /** The annotation Istio reads on a Kubernetes Service. */
  public static final String ANNOTATION = "networking.istio.io/exportTo";

  private ExportToConverter() {}

  public static ExportTo convert(List<String> values, String where) throws InvalidConfigException {
    try {
      return ExportTo.of(values);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(where + ": " + e.getMessage());
    }
  }

  /** The Service annotation's value; unset is {@link ExportTo#EVERYWHERE}. */
  public static ExportTo ofAnnotations(Map<String, String> annotations)
      throws InvalidConfigException {
    String value = annotations == null ? null : annotations.get(ANNOTATION);
    if (value == null || value.isBlank()) {
      return ExportTo.EVERYWHERE;
    }
    return convert(
        Arrays.stream(value.split(",")).map(String::trim).toList(),
        "metadata.annotations." + ANNOTATION);
  }
}
