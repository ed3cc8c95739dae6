package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.ConfigError;
import java.util.Map;

/**
 * The refusals the security policy converters share: a field not enforced, a field name not known.
 */
final class SecurityFields {
  private SecurityFields() {}

  static InvalidConfigException notSupported(String path, String why) {
    return new InvalidConfigException(
        ConfigError.Problem.UNSUPPORTED, path + " is not supported by Outrigger yet: " + why);
  }

  /** fabric8 keeps the fields its model does not know (a typo, a newer Istio field) here. */
  static void unknown(String path, Map<String, Object> additional) throws InvalidConfigException {
    if (additional != null && !additional.isEmpty()) {
      throw new InvalidConfigException(
          path + "." + additional.keySet().iterator().next() + ": unknown field");
    }
  }
}
