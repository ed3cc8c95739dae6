package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.Subset;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.outrigger.controlplane.model.ClientTlsMode;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.Hostnames;
import io.outrigger.controlplane.model.SubsetConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio DestinationRule to {@link DestinationRuleConfig}: host, subsets, the TLS mode and the
 * traffic policies.
 */
public final class DestinationRuleConverter {
  private DestinationRuleConverter() {}

  public static DestinationRuleConfig convert(DestinationRule object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null || spec.getHost() == null || spec.getHost().isBlank()) {
      throw new InvalidConfigException("spec.host is missing");
    }
    ClientTlsMode tls = tlsMode(spec.getTrafficPolicy(), "spec.trafficPolicy");
    List<SubsetConfig> subsets = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Subset> specSubsets = spec.getSubsets() == null ? List.of() : spec.getSubsets();
    for (int i = 0; i < specSubsets.size(); i++) {
      Subset s = specSubsets.get(i);
      String where = "spec.subsets[" + i + "]";
      if (s.getName() == null || s.getName().isBlank()) {
        throw new InvalidConfigException(where + ": name is missing");
      }
      if (!s.getName().matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")) {
        throw new InvalidConfigException(
            where
                + ": name \""
                + s.getName()
                + "\" must be alphanumeric with - _ . inside (it becomes part of cluster names)");
      }
      if (!names.add(s.getName())) {
        throw new InvalidConfigException(
            where + ": subset \"" + s.getName() + "\" is defined twice");
      }
      Map<String, String> labels = s.getLabels() == null ? Map.of() : s.getLabels();
      subsets.add(
          new SubsetConfig(
              s.getName(),
              labels,
              tlsMode(s.getTrafficPolicy(), where + ".trafficPolicy"),
              TrafficPolicyConverter.convert(s.getTrafficPolicy(), where + ".trafficPolicy")));
    }
    return new DestinationRuleConfig(
        namespace,
        object.getMetadata().getName(),
        Hostnames.resolve(spec.getHost(), namespace),
        tls,
        subsets,
        TrafficPolicyConverter.convert(spec.getTrafficPolicy(), "spec.trafficPolicy"),
        ExportToConverter.convert(spec.getExportTo(), "spec.exportTo"));
  }

  private static ClientTlsMode tlsMode(TrafficPolicy policy, String where)
      throws InvalidConfigException {
    if (policy == null || policy.getTls() == null || policy.getTls().getMode() == null) {
      return ClientTlsMode.UNSET;
    }
    return switch (policy.getTls().getMode()) {
      case DISABLE -> ClientTlsMode.DISABLE;
      case ISTIO_MUTUAL -> ClientTlsMode.ISTIO_MUTUAL;
      default ->
          throw new InvalidConfigException(
              ConfigError.Problem.UNSUPPORTED,
              where
                  + ".tls.mode "
                  + policy.getTls().getMode()
                  + " is not supported (use ISTIO_MUTUAL or DISABLE)");
    };
  }
}
