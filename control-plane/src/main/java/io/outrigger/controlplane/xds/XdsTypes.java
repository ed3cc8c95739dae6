package io.outrigger.controlplane.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.List;
import java.util.Set;

/** The xDS types we serve and the order a push walks them in (clusters before their endpoints). */
public final class XdsTypes {
  public static final String CLUSTER = Resources.V3.CLUSTER_TYPE_URL;
  public static final String ENDPOINT = Resources.V3.ENDPOINT_TYPE_URL;
  public static final String LISTENER = Resources.V3.LISTENER_TYPE_URL;
  public static final String ROUTE = Resources.V3.ROUTE_TYPE_URL;
  public static final String SECRET = Resources.V3.SECRET_TYPE_URL;

  /**
   * Envoy's make-before-break order: CDS, EDS, LDS, RDS; secrets last (listeners wait for them).
   */
  public static final List<String> PUSH_ORDER = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET);

  /** Types where a SotW response must carry every resource (absence means deletion). */
  private static final Set<String> STATE_OF_THE_WORLD = Set.of(CLUSTER, LISTENER);

  private XdsTypes() {}

  public static boolean isWildcardType(String typeUrl) {
    return STATE_OF_THE_WORLD.contains(typeUrl);
  }

  /** "Cluster" for a type URL, for logs and metrics tags. */
  public static String shortName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
