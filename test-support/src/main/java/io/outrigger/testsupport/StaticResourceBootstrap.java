package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a set of xDS resources into one static bootstrap (JSON), resolving the references a proxy
 * would otherwise resolve over xDS: EDS from the given assignments, RDS from the given route
 * configurations, SDS from the given secrets.
 */
final class StaticResourceBootstrap {

  private final List<Listener> listeners = new ArrayList<>();
  private final List<Cluster> clusters = new ArrayList<>();
  private final Map<String, ClusterLoadAssignment> assignments = new LinkedHashMap<>();
  private final Map<String, RouteConfiguration> routes = new LinkedHashMap<>();
  private final List<Secret> secrets = new ArrayList<>();

  StaticResourceBootstrap(Collection<? extends Message> resources) {
    for (Message resource : resources) {
      switch (resource) {
        case Listener l -> listeners.add(l);
        case Cluster c -> clusters.add(c);
        case ClusterLoadAssignment a -> assignments.put(a.getClusterName(), a);
        case RouteConfiguration r -> routes.put(r.getName(), r);
        case Secret s -> secrets.add(s);
        default ->
            throw new IllegalArgumentException(
                "resource of type "
                    + resource.getDescriptorForType().getFullName()
                    + ": cannot be validated as part of a "
                    + "static bootstrap (Listener, Cluster, ClusterLoadAssignment, RouteConfiguration, Secret)");
      }
    }
  }

  ObjectNode toJson(ObjectMapper json) {
    ObjectNode bootstrap = json.createObjectNode();
    bootstrap
        .putObject("node")
        .put("id", "outrigger-validate")
        .put("cluster", "outrigger-validate");
    ObjectNode statics = bootstrap.putObject("static_resources");
    ArrayNode listenerArray = statics.putArray("listeners");
    for (Listener listener : listeners) {
      JsonNode node = toNode(json, listener);
      resolveReferences(node, "listener " + listener.getName());
      listenerArray.add(node);
    }
    ArrayNode clusterArray = statics.putArray("clusters");
    for (Cluster cluster : clusters) {
      ObjectNode node = (ObjectNode) toNode(json, cluster);
      if ("EDS".equals(node.path("type").asText())) {
        makeStatic(json, cluster, node);
      }
      resolveReferences(node, "cluster " + cluster.getName());
      clusterArray.add(node);
    }
    ArrayNode secretArray = statics.putArray("secrets");
    secrets.forEach(secret -> secretArray.add(toNode(json, secret)));
    return bootstrap;
  }

  private void makeStatic(ObjectMapper json, Cluster cluster, ObjectNode node) {
    String serviceName = cluster.getEdsClusterConfig().getServiceName();
    String key = serviceName.isEmpty() ? cluster.getName() : serviceName;
    ClusterLoadAssignment assignment = assignments.get(key);
    node.put("type", "STATIC");
    node.remove("eds_cluster_config");
    if (assignment == null) {
      // An EDS cluster with no assignment yet is valid in Envoy: it simply has no endpoints.
      node.putObject("load_assignment").put("cluster_name", cluster.getName());
    } else {
      ObjectNode load = (ObjectNode) toNode(json, assignment);
      load.put("cluster_name", cluster.getName());
      node.set("load_assignment", load);
    }
  }

  /**
   * Inlines RDS route configurations and points SDS references at the static secrets, anywhere in
   * the tree.
   */
  private void resolveReferences(JsonNode node, String owner) {
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      JsonNode rds = object.get("rds");
      if (rds != null && rds.has("route_config_name")) {
        String name = rds.get("route_config_name").asText();
        RouteConfiguration route = routes.get(name);
        if (route == null) {
          throw new AssertionError(
              owner
                  + ": RDS route configuration '"
                  + name
                  + "' is not among the given resources "
                  + routes.keySet());
        }
        object.remove("rds");
        object.set("route_config", toNode(new ObjectMapper(), route));
      }
      if (object.has("sds_config") && object.has("name")) {
        object.remove("sds_config");
      }
    }
    Iterator<JsonNode> children = node.elements();
    while (children.hasNext()) {
      resolveReferences(children.next(), owner);
    }
  }

  private static JsonNode toNode(ObjectMapper json, Message message) {
    try {
      return json.readTree(EnvoyTypes.printer().print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          message.getDescriptorForType().getFullName()
              + ": cannot print as JSON (an Any of a type unknown to the Envoy API jar?)",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
