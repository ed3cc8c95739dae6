package io.outrigger.controlplane.generate.naming;

/** Resource names in Istio's shape, so istioctl habits and dashboards carry over. */
public final class ResourceNames {
  public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
  public static final String VIRTUAL_INBOUND = "virtualInbound";
  public static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";
  public static final String BLACKHOLE_CLUSTER = "BlackHoleCluster";
  public static final String INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";

  private ResourceNames() {}

  /**
   * {@code outbound|9080|v1|reviews.default.svc.cluster.local}; subset empty for the whole service.
   */
  public static String outboundCluster(int port, String subset, String host) {
    return "outbound|" + port + "|" + subset + "|" + host;
  }

  public static String inboundCluster(int targetPort) {
    return "inbound|" + targetPort + "||";
  }

  /**
   * The SNI a client sends to an in-mesh destination, {@code
   * outbound_.9080_.v1_.reviews.default.svc.cluster.local}.
   */
  public static String outboundSni(int port, String subset, String host) {
    return "outbound_." + port + "_." + subset + "_." + host;
  }

  /** Outbound HTTP route configurations are shared per port, as Istio names them: "9080". */
  public static String outboundRoute(int port) {
    return Integer.toString(port);
  }

  public static String outboundListener(String vip, int port) {
    return vip + "_" + port;
  }

  public static String virtualHost(String host, int port) {
    return host + ":" + port;
  }
}
