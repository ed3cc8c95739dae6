package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.security.v1beta1.PeerAuthenticationMutualTLS;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Istio PeerAuthentication to {@link PeerAuthenticationConfig}. */
public final class PeerAuthenticationConverter {
  private PeerAuthenticationConverter() {}

  public static PeerAuthenticationConfig convert(PeerAuthentication object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    Map<String, String> selector =
        spec == null || spec.getSelector() == null || spec.getSelector().getMatchLabels() == null
            ? Map.of()
            : spec.getSelector().getMatchLabels();
    MtlsMode mode = spec == null ? MtlsMode.UNSET : mode(spec.getMtls());
    Map<Integer, MtlsMode> portLevel = new LinkedHashMap<>();
    if (spec != null && spec.getPortLevelMtls() != null && !spec.getPortLevelMtls().isEmpty()) {
      if (selector.isEmpty()) {
        throw new InvalidConfigException(
            "spec.portLevelMtls requires spec.selector (port numbers are per workload)");
      }
      for (Map.Entry<String, PeerAuthenticationMutualTLS> e : spec.getPortLevelMtls().entrySet()) {
        portLevel.put(port(e.getKey()), mode(e.getValue()));
      }
    }
    return new PeerAuthenticationConfig(
        namespace, object.getMetadata().getName(), selector, mode, portLevel);
  }

  private static MtlsMode mode(PeerAuthenticationMutualTLS mtls) {
    if (mtls == null || mtls.getMode() == null) {
      return MtlsMode.UNSET;
    }
    return MtlsMode.valueOf(mtls.getMode().name());
  }

  private static int port(String key) throws InvalidConfigException {
    try {
      int port = Integer.parseInt(key);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the offending key
    }
    throw new InvalidConfigException("spec.portLevelMtls key \"" + key + "\" is not a port number");
  }
}
