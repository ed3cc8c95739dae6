package io.outrigger.controlplane.generate.cluster;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.CombinedCertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.outrigger.controlplane.generate.naming.ConfigSources;
import java.util.Collection;
import java.util.List;

/**
 * The client side of mesh mTLS: present the proxy's SVID (SDS "default"), verify the peer against
 * the mesh root (SDS "ROOTCA") and, when known, against the SPIFFE IDs of the destination's
 * workloads.
 */
public final class UpstreamTls {
  /**
   * Endpoint metadata key Envoy reads to pick a transport socket; "istio" marks an endpoint with a
   * sidecar.
   */
  public static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";

  public static final String TLS_MODE_KEY = "tlsMode";
  public static final String TLS_MODE_ISTIO = "istio";

  /** Offered by mesh clients so a PERMISSIVE server tells mesh mTLS from an app's own TLS. */
  public static final List<String> MESH_ALPN = List.of("istio-peer-exchange", "istio");

  private static final Struct ISTIO_MATCH =
      Struct.newBuilder()
          .putFields(TLS_MODE_KEY, Value.newBuilder().setStringValue(TLS_MODE_ISTIO).build())
          .build();
  private static final TransportSocket PLAINTEXT =
      TransportSocket.newBuilder()
          .setName("envoy.transport_sockets.raw_buffer")
          .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))
          .build();

  private UpstreamTls() {}

  public static Struct istioEndpointMatch() {
    return ISTIO_MATCH;
  }

  public static TransportSocket mutualTls(String sni, Collection<String> peerSpiffeIds) {
    CertificateValidationContext.Builder peers = CertificateValidationContext.newBuilder();
    peerSpiffeIds.stream()
        .sorted()
        .distinct()
        .forEach(
            id ->
                peers.addMatchTypedSubjectAltNames(
                    SubjectAltNameMatcher.newBuilder()
                        .setSanType(SubjectAltNameMatcher.SanType.URI)
                        .setMatcher(StringMatcher.newBuilder().setExact(id))));
    CommonTlsContext common =
        CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(
                ConfigSources.sdsSecret(ConfigSources.WORKLOAD_SECRET))
            .setCombinedValidationContext(
                CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(peers)
                    .setValidationContextSdsSecretConfig(
                        ConfigSources.sdsSecret(ConfigSources.ROOT_SECRET)))
            .addAllAlpnProtocols(MESH_ALPN)
            .build();
    UpstreamTlsContext context =
        UpstreamTlsContext.newBuilder().setCommonTlsContext(common).setSni(sni).build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(context))
        .build();
  }

  public static TransportSocket plaintext() {
    return PLAINTEXT;
  }

  /**
   * Automatic mTLS: endpoints labelled {@code tlsMode: istio} get mTLS, the others plaintext, so a
   * cluster mixing meshed and unmeshed workloads works during a migration.
   */
  public static List<Cluster.TransportSocketMatch> automatic(TransportSocket mtls) {
    return List.of(
        Cluster.TransportSocketMatch.newBuilder()
            .setName("tlsMode-istio")
            .setMatch(ISTIO_MATCH)
            .setTransportSocket(mtls)
            .build(),
        Cluster.TransportSocketMatch.newBuilder()
            .setName("tlsMode-disabled")
            .setMatch(Struct.getDefaultInstance())
            .setTransportSocket(PLAINTEXT)
            .build());
  }
}
