package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvoyValidatorTest {

  private static final ConfigSource ADS =
      ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

  private static SelfSignedCert cert;

  @BeforeAll
  static void envoyPresent(@TempDir Path dir) {
    Prerequisites.requireEnvoy();
    cert = SelfSignedCert.create(dir, "reviews.test");
  }

  @Test
  void acceptsAValidBootstrap() {
    assertThatCode(
            () ->
                EnvoyValidator.validateBootstrap(
                    """
                admin:
                  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                static_resources:
                  clusters:
                  - name: backend
                    type: STATIC
                    load_assignment:
                      cluster_name: backend
                      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}}]}]
                """))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectionCarriesEnvoysOwnMessage() {
    assertThatThrownBy(
            () ->
                EnvoyValidator.validateBootstrap(
                    """
                static_resources:
                  clusters:
                  - name: backend
                    type: STATIC
                    no_such_field: 1
                """))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Envoy rejected the bootstrap")
        .hasMessageContaining("no_such_field");
  }

  @Test
  void resourceSetWithRdsEdsAndSdsIsValidatedAsOneProxyWouldHoldIt() {
    assertThatCode(() -> EnvoyValidator.validateResources(proxyResources("reviews")))
        .doesNotThrowAnyException();
  }

  @Test
  void routeToAClusterMissingFromTheSetIsRejectedByEnvoy() {
    List<Message> resources =
        List.of(listener(), routes("ghost"), edsCluster(), assignment(), secret());
    assertThatThrownBy(() -> EnvoyValidator.validateResources(resources))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ghost");
  }

  @Test
  void rdsReferenceMissingFromTheSetNamesTheListenerAndRoute() {
    List<Message> resources = List.of(listener(), edsCluster(), assignment(), secret());
    assertThatThrownBy(() -> EnvoyValidator.validateResources(resources))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("listener outbound_9080")
        .hasMessageContaining("'9080'");
  }

  @Test
  void sdsReferenceToAnAbsentSecretIsRejectedByEnvoy() {
    List<Message> resources = List.of(listener(), routes("reviews"), edsCluster(), assignment());
    assertThatThrownBy(() -> EnvoyValidator.validateResources(resources))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("default");
  }

  static List<Message> proxyResources(String routeCluster) {
    return List.of(listener(), routes(routeCluster), edsCluster(), assignment(), secret());
  }

  private static Listener listener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("outbound_9080")
            .setRds(Rds.newBuilder().setRouteConfigName("9080").setConfigSource(ADS))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName("outbound_9080")
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(9080)))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  private static RouteConfiguration routes(String cluster) {
    return RouteConfiguration.newBuilder()
        .setName("9080")
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("reviews")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  private static Cluster edsCluster() {
    UpstreamTlsContext tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addTlsCertificateSdsSecretConfigs(
                        SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ADS)))
            .build();
    return Cluster.newBuilder()
        .setName("reviews")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS))
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .setTransportSocket(
            TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(tls)))
        .build();
  }

  private static ClusterLoadAssignment assignment() {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName("reviews")
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress("198.18.0.2")
                                                .setPortValue(9080))))))
        .build();
  }

  private static Secret secret() {
    // Envoy parses the PEM even in validate mode, so the secret holds a real key pair.
    return Secret.newBuilder()
        .setName("default")
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(cert.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(cert.keyPem())))
        .build();
  }
}
