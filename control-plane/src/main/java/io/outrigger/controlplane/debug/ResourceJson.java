package io.outrigger.controlplane.debug;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/**
 * Prints xDS resources as JSON for /debug/config_dump. Knows the types our generators nest in
 * {@code Any}; a resource holding another type is shown by type URL with the reason, not dropped.
 * Secrets lose their private key: the debug port never shows key material.
 */
final class ResourceJson {
  private static final List<Descriptor> TYPES =
      List.of(
          Listener.getDescriptor(),
          Cluster.getDescriptor(),
          ClusterLoadAssignment.getDescriptor(),
          RouteConfiguration.getDescriptor(),
          Secret.getDescriptor(),
          HttpConnectionManager.getDescriptor(),
          Router.getDescriptor(),
          TcpProxy.getDescriptor(),
          OriginalDst.getDescriptor(),
          TlsInspector.getDescriptor(),
          HttpInspector.getDescriptor(),
          UpstreamTlsContext.getDescriptor(),
          DownstreamTlsContext.getDescriptor(),
          HttpProtocolOptions.getDescriptor(),
          HealthCheck.getDescriptor());

  private final JsonFormat.Printer printer;

  ResourceJson() {
    JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
    TYPES.forEach(registry::add);
    this.printer =
        JsonFormat.printer().usingTypeRegistry(registry.build()).preservingProtoFieldNames();
  }

  String print(Any resource) {
    try {
      Any shown =
          resource.is(Secret.class) ? Any.pack(redacted(resource.unpack(Secret.class))) : resource;
      return printer.print(shown);
    } catch (InvalidProtocolBufferException e) {
      return "{\"@type\":\""
          + resource.getTypeUrl()
          + "\",\"unprintable\":\""
          + e.getMessage().replace("\"", "'")
          + "\"}";
    }
  }

  private static Secret redacted(Secret secret) {
    if (!secret.hasTlsCertificate()) {
      return secret;
    }
    Secret.Builder b = secret.toBuilder();
    b.getTlsCertificateBuilder().getPrivateKeyBuilder().setInlineString("[redacted]");
    return b.build();
  }
}
