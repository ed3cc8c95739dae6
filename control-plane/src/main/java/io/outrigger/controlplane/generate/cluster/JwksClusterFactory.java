package io.outrigger.controlplane.generate.cluster;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.outrigger.controlplane.model.RequestAuthenticationConfig.RemoteJwks;

/**
 * The cluster a sidecar fetches a remote JSON Web Key Set through when its host is not a mesh
 * service (those have their outbound cluster already): the address as written (a name through DNS),
 * plaintext or TLS verified against the system's CA bundle with the host as SNI.
 */
public final class JwksClusterFactory {
  /** Debian's and Alpine's bundle of the public CAs, where the sidecar image keeps it. */
  static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

  private JwksClusterFactory() {}

  public static Cluster cluster(String name, RemoteJwks jwks) {
    boolean literal = io.outrigger.controlplane.model.Cidr.isLiteral(jwks.host());
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setType(literal ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
            .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
            .setLoadAssignment(StaticClusterFactory.oneEndpoint(name, jwks.host(), jwks.port()));
    if (!literal) {
      cluster.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED);
    }
    if (jwks.tls()) {
      UpstreamTlsContext tls =
          UpstreamTlsContext.newBuilder()
              .setSni(jwks.host())
              .setCommonTlsContext(
                  CommonTlsContext.newBuilder()
                      .setValidationContext(
                          CertificateValidationContext.newBuilder()
                              .setTrustedCa(DataSource.newBuilder().setFilename(SYSTEM_CA_BUNDLE))))
              .build();
      cluster.setTransportSocket(
          TransportSocket.newBuilder()
              .setName("envoy.transport_sockets.tls")
              .setTypedConfig(Any.pack(tls)));
    }
    return cluster.build();
  }
}
