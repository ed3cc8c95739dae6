package io.outrigger.bench.xdsload;

/** The xDS resource types a sidecar subscribes to over ADS. */
final class TypeUrls {
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String ENDPOINTS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String ROUTES = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  static final String HTTP_CONNECTION_MANAGER =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  /** Short name for reports: CDS, LDS, EDS, RDS, SDS. */
  static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case CLUSTER -> "CDS";
      case LISTENER -> "LDS";
      case ENDPOINTS -> "EDS";
      case ROUTES -> "RDS";
      case SECRET -> "SDS";
      default -> typeUrl;
    };
  }

  private TypeUrls() {}
}
