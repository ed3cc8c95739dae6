package io.outrigger.sidecar.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.sidecar.SidecarPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/**
 * The one Envoy sidecar bootstrap renderer: the injector embeds its output in every pod, and {@code
 * outrigger bootstrap} prints it for host-mode sidecars. Everything else a sidecar runs on
 * (listeners, clusters, certificates) comes from the control plane over ADS.
 */
public final class SidecarBootstrap {

  /** The static cluster that the readiness and Prometheus listeners forward to. */
  static final String ADMIN_CLUSTER = "outrigger-admin";

  /** The static cluster for plaintext ADS. */
  static final String XDS_CLUSTER = "xds-grpc";

  /**
   * How often the sidecar streams its stats to the control plane's metrics service (the mesh view's
   * numbers): often enough for a live page, seldom enough that the stream costs little.
   */
  public static final String STATS_FLUSH_INTERVAL = "3s";

  /**
   * Envoy flags every sidecar runs with besides its bootstrap, Istio's drain settings: a listener
   * changed by LDS (a new AuthorizationPolicy, a PeerAuthentication mode) asks its pooled
   * connections to close at their next request, instead of Envoy's default of a gradual drain over
   * 10 minutes, during which callers on old connections would bypass the new policy.
   */
  public static final List<String> DRAIN_FLAGS =
      List.of("--drain-time-s", "45", "--drain-strategy", "immediate");

  private static final String FILE_BASED_METADATA = "envoy.grpc_credentials.file_based_metadata";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /**
   * Block style, strings that look like numbers quoted, no document marker: the injector's KubeYaml
   * style, written here because this module sits below the injector.
   */
  private final ObjectMapper yaml =
      YAMLMapper.builder()
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
          .disable(YAMLGenerator.Feature.SPLIT_LINES)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .build();

  private final ObjectMapper json = new ObjectMapper();

  /** The bootstrap as YAML, for a file passed to {@code envoy -c}. */
  public String render(BootstrapParams p) {
    return write(yaml, tree(p));
  }

  /**
   * The same bootstrap as one line of JSON, for {@code envoy --config-yaml} (JSON is YAML): the
   * injector passes it as a container argument so that the kubelet expands {@code $(VAR)}
   * references to the pod's downward-API values.
   */
  public String renderJson(BootstrapParams p) {
    return write(json, tree(p));
  }

  /** The bootstrap as a JSON tree, in the order Envoy's documentation lists the fields. */
  public ObjectNode tree(BootstrapParams p) {
    ObjectNode root = JSON.objectNode();
    root.set("node", node(p));
    root.set("admin", admin());
    root.set("dynamic_resources", dynamicResources(p));
    root.set("static_resources", staticResources(p));
    root.set("stats_sinks", statsSinks(p));
    root.put("stats_flush_interval", STATS_FLUSH_INTERVAL);
    return root;
  }

  /** The version of the running Outrigger jar, or {@code dev} outside a packaged build. */
  public static String runningVersion() {
    return RunningVersion.VALUE;
  }

  /**
   * Read once: the jar cannot change under a running JVM, and the lookup (a classpath resource
   * search) was a measurable part of every injection, which asks for the version twice.
   */
  private static final class RunningVersion {
    static final String VALUE = read();

    private RunningVersion() {}
  }

  private static String read() {
    String version = SidecarBootstrap.class.getPackage().getImplementationVersion();
    if (version != null) {
      return version;
    }
    // The outrigger jar carries the version the CLI reports; a bare module build does not.
    try (InputStream in =
        SidecarBootstrap.class.getResourceAsStream("/outrigger-version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "dev");
      }
    } catch (IOException e) {
      // fall through: the version is informational
    }
    return "dev";
  }

  private static ObjectNode node(BootstrapParams p) {
    ObjectNode node = JSON.objectNode();
    node.put("id", p.nodeId());
    node.put("cluster", p.cluster());
    // The keys Istio's agent writes, so the control plane identifies a workload the same way.
    ObjectNode metadata = node.putObject("metadata");
    metadata.put("NAMESPACE", p.namespace());
    metadata.put("NAME", p.podName());
    if (p.podUid() != null) {
      metadata.put("POD_UID", p.podUid());
    }
    metadata.put("WORKLOAD_NAME", p.workloadName());
    metadata.put("SERVICE_ACCOUNT", p.serviceAccount());
    ObjectNode labels = metadata.putObject("LABELS");
    p.labels().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> labels.put(e.getKey(), e.getValue()));
    metadata.put("INSTANCE_IPS", p.instanceIp());
    metadata.put("OUTRIGGER_VERSION", p.outriggerVersion());
    return node;
  }

  private static ObjectNode admin() {
    ObjectNode admin = JSON.objectNode();
    admin.set("address", socketAddress("127.0.0.1", SidecarPorts.ADMIN));
    return admin;
  }

  private static ObjectNode dynamicResources(BootstrapParams p) {
    ObjectNode dynamic = JSON.objectNode();
    ObjectNode ads = dynamic.putObject("ads_config");
    ads.put("api_type", p.apiType().name());
    ads.put("transport_api_version", "V3");
    ads.put("set_node_on_first_message_only", true);
    ads.putArray("grpc_services").add(grpcService(p));
    for (String source : new String[] {"cds_config", "lds_config"}) {
      ObjectNode config = dynamic.putObject(source);
      config.putObject("ads");
      // Wait for the control plane however long it takes (Istio does the same): with Envoy's
      // default
      // 15 s the sidecar would turn ready without listeners and the app would start unmeshed.
      config.put("initial_fetch_timeout", "0s");
      config.put("resource_api_version", "V3");
    }
    return dynamic;
  }

  private static ObjectNode grpcService(BootstrapParams p) {
    ObjectNode service = JSON.objectNode();
    if (p.transport() == XdsTransport.PLAINTEXT) {
      service.putObject("envoy_grpc").put("cluster_name", XDS_CLUSTER);
      return service;
    }
    ObjectNode google = service.putObject("google_grpc");
    google.put("target_uri", p.controlPlane().target());
    google.put("stat_prefix", "xds");
    google
        .putObject("channel_credentials")
        .putObject("ssl_credentials")
        .putObject("root_certs")
        .put("filename", p.rootCertFile().toString());
    // file_based_metadata re-reads the token file for every call, so kubelet's token refresh works.
    google.put("credentials_factory_name", FILE_BASED_METADATA);
    ObjectNode plugin = google.putArray("call_credentials").addObject().putObject("from_plugin");
    plugin.put("name", FILE_BASED_METADATA);
    ObjectNode config = plugin.putObject("typed_config");
    config.put(
        "@type", "type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig");
    config.putObject("secret_data").put("filename", p.tokenFile().toString());
    config.put("header_key", "authorization");
    config.put("header_prefix", "Bearer ");
    if (p.controlPlaneServerName() != null && !p.controlPlaneServerName().isBlank()) {
      // The certificate names the Service while the proxy may dial an IP or another alias.
      google
          .putObject("channel_args")
          .putObject("args")
          .putObject("grpc.ssl_target_name_override")
          .put("string_value", p.controlPlaneServerName());
    }
    return service;
  }

  /**
   * The sidecar's stats go to the control plane over the same gRPC service (and so the same TLS and
   * token) as ADS; the control plane keeps a short window of them for the mesh view. Full stat
   * names (no tags as labels), cumulative counters, and histograms as buckets only: the control
   * plane computes rates and percentiles from the differences over its window.
   */
  private static ArrayNode statsSinks(BootstrapParams p) {
    ArrayNode sinks = JSON.arrayNode();
    ObjectNode sink = sinks.addObject();
    sink.put("name", "envoy.stat_sinks.metrics_service");
    ObjectNode config = sink.putObject("typed_config");
    config.put("@type", "type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig");
    config.put("transport_api_version", "V3");
    config.put("histogram_emit_mode", "HISTOGRAM");
    config.set("grpc_service", grpcService(p));
    return sinks;
  }

  private static ObjectNode staticResources(BootstrapParams p) {
    ObjectNode resources = JSON.objectNode();
    ArrayNode listeners = resources.putArray("listeners");
    listeners.add(
        adminProxyListener(
            "outrigger-readiness", SidecarPorts.READINESS, SidecarPorts.READINESS_PATH, "/ready"));
    listeners.add(
        adminProxyListener(
            "outrigger-prometheus", SidecarPorts.PROMETHEUS, SidecarPorts.PROMETHEUS_PATH, null));
    ArrayNode clusters = resources.putArray("clusters");
    clusters.add(staticCluster(ADMIN_CLUSTER, "STATIC", "127.0.0.1", SidecarPorts.ADMIN));
    if (p.transport() == XdsTransport.PLAINTEXT) {
      ControlPlaneAddress cp = p.controlPlane();
      ObjectNode xds =
          staticCluster(
              XDS_CLUSTER, cp.isIpLiteral() ? "STATIC" : "STRICT_DNS", cp.host(), cp.port());
      ObjectNode http =
          xds.putObject("typed_extension_protocol_options")
              .putObject("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
      http.put(
          "@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
      http.putObject("explicit_http_config").putObject("http2_protocol_options");
      clusters.add(xds);
    }
    return resources;
  }

  /** A listener on all addresses that answers one path from the admin API (kubelet, Prometheus). */
  private static ObjectNode adminProxyListener(
      String name, int port, String path, String rewriteTo) {
    ObjectNode listener = JSON.objectNode();
    listener.put("name", name);
    listener.set("address", socketAddress("0.0.0.0", port));
    ObjectNode hcm = listener.putArray("filter_chains").addObject().putArray("filters").addObject();
    hcm.put("name", "envoy.filters.network.http_connection_manager");
    ObjectNode config = hcm.putObject("typed_config");
    config.put(
        "@type",
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    config.put("stat_prefix", name);
    ObjectNode host = config.putObject("route_config").putArray("virtual_hosts").addObject();
    host.put("name", name);
    host.putArray("domains").add("*");
    ObjectNode route = host.putArray("routes").addObject();
    route.putObject("match").put("path", path);
    ObjectNode action = route.putObject("route");
    action.put("cluster", ADMIN_CLUSTER);
    if (rewriteTo != null) {
      action.put("prefix_rewrite", rewriteTo);
    }
    ObjectNode router = config.putArray("http_filters").addObject();
    router.put("name", "envoy.filters.http.router");
    router
        .putObject("typed_config")
        .put("@type", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
    return listener;
  }

  private static ObjectNode staticCluster(String name, String type, String host, int port) {
    ObjectNode cluster = JSON.objectNode();
    cluster.put("name", name);
    cluster.put("type", type);
    cluster.put("connect_timeout", "1s");
    ObjectNode assignment = cluster.putObject("load_assignment");
    assignment.put("cluster_name", name);
    assignment
        .putArray("endpoints")
        .addObject()
        .putArray("lb_endpoints")
        .addObject()
        .putObject("endpoint")
        .set("address", socketAddress(host, port));
    return cluster;
  }

  private static ObjectNode socketAddress(String host, int port) {
    ObjectNode address = JSON.objectNode();
    ObjectNode socket = address.putObject("socket_address");
    socket.put("address", host);
    socket.put("port_value", port);
    return address;
  }

  private static String write(ObjectMapper mapper, ObjectNode tree) {
    try {
      return mapper.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write the sidecar bootstrap", e);
    }
  }
}
