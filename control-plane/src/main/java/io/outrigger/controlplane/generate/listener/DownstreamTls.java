package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.outrigger.controlplane.generate.naming.ConfigSources;

/**
 * The server side of mesh mTLS: the proxy's SVID (SDS "default") and a client certificate signed by
 * the mesh root (SDS "ROOTCA") is required. Which caller may call is authorization, a later layer;
 * here any mesh identity is accepted and passed on to the app.
 */
final class DownstreamTls {
  private static final TransportSocket MUTUAL =
      TransportSocket.newBuilder()
          .setName("envoy.transport_sockets.tls")
          .setTypedConfig(
              Any.pack(
                  DownstreamTlsContext.newBuilder()
                      .setCommonTlsContext(
                          CommonTlsContext.newBuilder()
                              .addTlsCertificateSdsSecretConfigs(
                                  ConfigSources.sdsSecret(ConfigSources.WORKLOAD_SECRET))
                              .setValidationContextSdsSecretConfig(
                                  ConfigSources.sdsSecret(ConfigSources.ROOT_SECRET)))
                      .setRequireClientCertificate(BoolValue.of(true))
                      .build()))
          .build();

  private DownstreamTls() {}

  static TransportSocket mutual() {
    return MUTUAL;
  }
}
