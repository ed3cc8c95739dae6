package io.outrigger.controlplane.generate.naming;

import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;

/** Everything dynamic reaches the proxy over its one ADS stream, secrets included. */
public final class ConfigSources {
  /** The SDS secret holding the proxy's own key and SVID. */
  public static final String WORKLOAD_SECRET = "default";

  /** The SDS secret holding the mesh trust bundle. */
  public static final String ROOT_SECRET = "ROOTCA";

  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private ConfigSources() {}

  public static ConfigSource ads() {
    return ADS;
  }

  public static SdsSecretConfig sdsSecret(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ADS).build();
  }
}
