package io.outrigger.controlplane.debug;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpRouteRule;
import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.SubsetConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.telemetry.EdgeStats;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.xds.Nack;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import io.outrigger.controlplane.xds.TypeSyncStatus;
import io.outrigger.controlplane.xds.XdsTypes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The /api/mesh document the mesh view polls: services (with configured and observed splits),
 * workloads, edges with the sidecars' own figures, proxies with their sync state, config errors.
 * Its fields are documented in docs/mesh-view.md.
 */
final class MeshViewJson {
  /** A proxy's state across xDS types, worst first. */
  enum ProxyState {
    NACKED,
    STALE,
    SYNCED
  }

  private final ObjectMapper mapper;
  private final SyncJson syncJson;

  MeshViewJson(ObjectMapper mapper, SyncJson syncJson) {
    this.mapper = mapper;
    this.syncJson = syncJson;
  }

  ObjectNode document(
      MeshConfig mesh,
      List<ConfigError> errors,
      MeshTelemetry.Traffic traffic,
      List<ProxySyncStatus> proxies,
      Map<String, String> proxyWorkloads,
      Instant now) {
    ObjectNode root = mapper.createObjectNode();
    root.put("generatedAt", now.toString());
    root.put("meshVersion", mesh.version());
    root.put("windowSeconds", traffic.window().toSeconds());
    Map<String, String> proxyOfWorkload = new LinkedHashMap<>();
    proxyWorkloads.forEach((proxy, workload) -> proxyOfWorkload.putIfAbsent(workload, proxy));
    ArrayNode services = root.putArray("services");
    mesh.services().forEach(s -> services.add(service(mesh, s, traffic.edges())));
    ArrayNode workloads = root.putArray("workloads");
    for (Workload w : mesh.workloads()) {
      workloads.add(workload(mesh, w, proxyOfWorkload.get(key(w)), traffic));
    }
    ArrayNode edges = root.putArray("edges");
    traffic.edges().forEach(e -> edges.add(edge(e)));
    ArrayNode proxyList = root.putArray("proxies");
    for (ProxySyncStatus p : proxies) {
      proxyList.add(
          proxy(
              p,
              proxyWorkloads.get(p.proxyId()),
              traffic.reportingProxies().contains(p.proxyId())));
    }
    root.set("configErrors", syncJson.errors(errors));
    return root;
  }

  private ObjectNode service(MeshConfig mesh, Service s, List<EdgeStats> edges) {
    ObjectNode n = mapper.createObjectNode();
    n.put("host", s.hostname());
    n.put("namespace", s.namespace());
    n.put("name", s.name());
    n.put("vip", s.hasVip() ? s.vip() : null);
    ArrayNode ports = n.putArray("ports");
    for (ServicePort p : s.ports()) {
      ports
          .addObject()
          .put("port", p.port())
          .put("name", p.name())
          .put("protocol", p.protocol().name());
    }
    ArrayNode members = n.putArray("workloads");
    mesh.workloadsOf(s.hostname()).forEach(w -> members.add(key(w)));
    List<SubsetConfig> subsets =
        mesh.destinationRule(s.hostname()).map(r -> r.subsets()).orElse(List.of());
    ArrayNode subsetList = n.putArray("subsets");
    for (SubsetConfig subset : subsets) {
      ObjectNode sn = subsetList.addObject();
      sn.put("name", subset.name());
      ArrayNode backing = sn.putArray("workloads");
      mesh.workloadsOf(s.hostname()).stream()
          .filter(w -> Labels.matches(subset.labels(), w.labels()))
          .forEach(w -> backing.add(key(w)));
    }
    if (!subsets.isEmpty()) {
      n.set("split", split(mesh, s, subsets, edges));
    }
    return n;
  }

  /**
   * Configured: the weights of the VirtualService's catch-all route (the one without match
   * conditions, which ordinary traffic takes). Observed: the requests the sidecars sent to each
   * subset.
   */
  private ObjectNode split(
      MeshConfig mesh, Service s, List<SubsetConfig> subsets, List<EdgeStats> edges) {
    ObjectNode split = mapper.createObjectNode();
    Map<String, Integer> configured = new LinkedHashMap<>();
    mesh.virtualService(s.hostname())
        .ifPresent(
            vs -> {
              split.put("virtualService", vs.namespace() + "/" + vs.name());
              vs.http().stream()
                  .filter(r -> r.matches().isEmpty())
                  .findFirst()
                  .map(HttpRouteRule::destinations)
                  .orElse(List.of())
                  .stream()
                  .filter(d -> d.host().equals(s.hostname()))
                  .forEach(d -> configured.merge(d.subset(), weight(d), Integer::sum));
            });
    Map<String, Long> observed = new LinkedHashMap<>();
    subsets.forEach(sub -> observed.put(sub.name(), 0L));
    long total = 0;
    for (EdgeStats e : edges) {
      if (e.destination().host().equals(s.hostname())
          && observed.containsKey(e.destination().subset())) {
        observed.merge(e.destination().subset(), e.requests(), Long::sum);
        total += e.requests();
      }
    }
    split.put("requests", total);
    ArrayNode list = split.putArray("subsets");
    for (SubsetConfig sub : subsets) {
      ObjectNode sn = list.addObject();
      sn.put("subset", sub.name());
      Integer weight = configured.get(sub.name());
      if (configured.isEmpty()) {
        sn.putNull("configuredPercent");
      } else {
        sn.put("configuredPercent", weight == null ? 0 : weight);
      }
      long requests = observed.get(sub.name());
      sn.put("requests", requests);
      if (total > 0) {
        sn.put("observedPercent", round(100.0 * requests / total, 1));
      } else {
        sn.putNull("observedPercent");
      }
    }
    return split;
  }

  /** A single destination without a weight takes all of the route's traffic. */
  private static int weight(RouteDestination d) {
    return d.weight() == 0 ? 100 : d.weight();
  }

  private ObjectNode workload(
      MeshConfig mesh, Workload w, String proxy, MeshTelemetry.Traffic traffic) {
    ObjectNode n = mapper.createObjectNode();
    n.put("id", key(w));
    n.put("namespace", w.namespace());
    n.put("name", w.name());
    n.put("address", w.address());
    n.put("serviceAccount", w.serviceAccount());
    n.put("inMesh", w.inMesh());
    ObjectNode labels = n.putObject("labels");
    w.labels().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> labels.put(e.getKey(), e.getValue()));
    ArrayNode services = n.putArray("services");
    mesh.servicesOf(w).forEach(s -> services.add(s.hostname()));
    n.put("proxy", proxy);
    n.put("reporting", proxy != null && traffic.reportingProxies().contains(proxy));
    return n;
  }

  private ObjectNode edge(EdgeStats e) {
    ObjectNode n = mapper.createObjectNode();
    n.put("source", e.source());
    n.put("destination", e.destination().host());
    n.put("port", e.destination().port());
    n.put("subset", e.destination().subset());
    n.put("requests", e.requests());
    n.put("rps", round(e.rate(), 2));
    putNullable(n, "successRate", e.successRate() == null ? null : round(e.successRate(), 4));
    putNullable(n, "p50Ms", e.p50Ms() == null ? null : round(e.p50Ms(), 2));
    putNullable(n, "p99Ms", e.p99Ms() == null ? null : round(e.p99Ms(), 2));
    n.put("mtls", e.mtls());
    return n;
  }

  private ObjectNode proxy(ProxySyncStatus p, String workload, boolean reporting) {
    ObjectNode n = mapper.createObjectNode();
    n.put("proxy", p.proxyId());
    n.put("workload", workload);
    n.put("identity", p.identity());
    n.put("authenticated", p.authenticated());
    n.put("connectedAt", p.connectedAt() == null ? null : p.connectedAt().toString());
    n.put("state", state(p).name());
    n.put("reportingMetrics", reporting);
    ObjectNode types = n.putObject("types");
    TypeSyncStatus latestNack = null;
    for (TypeSyncStatus t : p.types()) {
      types
          .putObject(XdsTypes.shortName(t.typeUrl()))
          .put("sent", t.sentVersion())
          .put("acked", t.ackedVersion())
          .put("inSync", t.inSync());
      if (t.lastNack() != null
          && (latestNack == null || t.lastNack().at().isAfter(latestNack.lastNack().at()))) {
        latestNack = t;
      }
    }
    if (latestNack == null) {
      n.putNull("lastNack");
    } else {
      Nack nack = latestNack.lastNack();
      n.putObject("lastNack")
          .put("type", XdsTypes.shortName(latestNack.typeUrl()))
          .put("version", nack.version())
          .put("error", nack.message())
          .put("at", nack.at().toString());
    }
    return n;
  }

  /**
   * NACKED: some type's last sent version is the one the proxy refused; STALE: sent, not ACKed yet.
   */
  static ProxyState state(ProxySyncStatus p) {
    ProxyState state = ProxyState.SYNCED;
    for (TypeSyncStatus t : p.types()) {
      if (t.inSync()) {
        continue;
      }
      if (t.lastNack() != null && t.lastNack().version().equals(t.sentVersion())) {
        return ProxyState.NACKED;
      }
      state = ProxyState.STALE;
    }
    return state;
  }

  private static void putNullable(ObjectNode n, String field, Double value) {
    if (value == null) {
      n.putNull(field);
    } else {
      n.put(field, value);
    }
  }

  private static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  private static String key(Workload w) {
    return w.namespace() + "/" + w.name();
  }
}
