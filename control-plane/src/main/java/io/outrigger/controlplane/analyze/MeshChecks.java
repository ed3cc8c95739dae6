package io.outrigger.controlplane.analyze;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.SubsetConfig;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.registry.ConfigKinds;
import io.outrigger.controlplane.registry.ConfigObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the control plane accepts but is likely a mistake, checked on the assembled mesh (the
 * objects in force) and the workloads of the input. Selector checks run only when the input holds
 * workloads at all: Istio config analyzed without its Deployments says nothing about what they
 * select.
 */
final class MeshChecks {
  /** Kinds whose pods carry {@code spec.template.metadata.labels}. */
  private static final Set<String> POD_TEMPLATES =
      Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");

  /** A Deployment, Pod or WorkloadEntry of the input: what selectors can match. */
  private record Labeled(String kind, String namespace, String name, Map<String, String> labels) {}

  private final MeshConfig mesh;
  private final List<ConfigObject> objects;
  private final List<JsonNode> others;
  private final List<Labeled> workloads = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();
  private final Map<String, String> sources = new HashMap<>();

  MeshChecks(MeshConfig mesh, List<ConfigObject> objects, List<JsonNode> others) {
    this.mesh = mesh;
    this.objects = objects;
    this.others = others;
    objects.forEach(o -> sources.put(o.key().toString(), o.source()));
    mesh.workloads()
        .forEach(
            w ->
                workloads.add(
                    new Labeled(
                        ConfigKinds.WORKLOAD_ENTRY.kind(), w.namespace(), w.name(), w.labels())));
    // A Pod is a kind the registry reads, but a manifest's Pod has no status yet, so it is no
    // serving
    // workload of the mesh: what its labels could select still counts.
    objects.stream()
        .filter(o -> o.resource() instanceof io.fabric8.kubernetes.api.model.Pod)
        .forEach(
            o -> {
              io.fabric8.kubernetes.api.model.Pod pod =
                  (io.fabric8.kubernetes.api.model.Pod) o.resource();
              Map<String, String> labels =
                  pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
              workloads.add(
                  new Labeled(
                      ConfigKinds.POD.kind(),
                      o.key().namespace(),
                      o.key().name(),
                      new TreeMap<>(labels)));
            });
    for (JsonNode doc : others) {
      String kind = doc.path("kind").asText();
      JsonNode labels =
          POD_TEMPLATES.contains(kind)
              ? doc.at("/spec/template/metadata/labels")
              : "Pod".equals(kind) ? doc.at("/metadata/labels") : null;
      if (labels != null) {
        Map<String, String> map = new TreeMap<>();
        labels.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        workloads.add(new Labeled(kind, namespaceOf(doc), doc.at("/metadata/name").asText(), map));
      }
    }
  }

  List<Finding> findings() {
    services();
    destinationRules();
    virtualServices();
    peerAuthentications();
    ignoredKinds();
    return findings;
  }

  private void add(FindingCode code, String kind, String namespace, String name, String message) {
    findings.add(
        new Finding(
            code,
            kind,
            namespace,
            name,
            message,
            sources.getOrDefault(kind + " " + namespace + "/" + name, "")));
  }

  private List<Labeled> selected(String namespace, Map<String, String> selector) {
    return workloads.stream()
        .filter(w -> w.namespace().equals(namespace) && Labels.matches(selector, w.labels()))
        .toList();
  }

  private static String labels(Map<String, String> selector) {
    return new TreeMap<>(selector)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  private void services() {
    if (workloads.isEmpty()) {
      return;
    }
    for (Service s : mesh.services()) {
      if (!s.selector().isEmpty() && selected(s.namespace(), s.selector()).isEmpty()) {
        add(
            FindingCode.SERVICE_SELECTS_NOTHING,
            ConfigKinds.SERVICE.kind(),
            s.namespace(),
            s.name(),
            "selector "
                + labels(s.selector())
                + " matches no Deployment, Pod or WorkloadEntry in namespace "
                + s.namespace());
      }
    }
  }

  private void destinationRules() {
    Map<String, DestinationRuleConfig> first = new LinkedHashMap<>();
    for (DestinationRuleConfig dr : mesh.destinationRules()) {
      // Rules of different namespaces, or exported to some namespaces only, are how Istio scopes
      // them (a proxy's own namespace's rule wins): no conflict.
      DestinationRuleConfig applies = first.putIfAbsent(dr.namespace() + "/" + dr.host(), dr);
      if (applies != null && applies.exportTo().everywhere() && dr.exportTo().everywhere()) {
        add(
            FindingCode.CONFLICTING_DESTINATION_RULES,
            ConfigKinds.DESTINATION_RULE.kind(),
            dr.namespace(),
            dr.name(),
            "host "
                + dr.host()
                + " also has DestinationRule "
                + applies.namespace()
                + "/"
                + applies.name()
                + ", which applies; this one is ignored");
      }
      Service service = mesh.service(dr.host()).orElse(null);
      if (service == null) {
        add(
            FindingCode.DESTINATION_RULE_HOST_UNKNOWN,
            ConfigKinds.DESTINATION_RULE.kind(),
            dr.namespace(),
            dr.name(),
            "host " + dr.host() + " is not a Service of the input");
        continue;
      }
      if (workloads.isEmpty() || service.selector().isEmpty()) {
        continue;
      }
      List<Labeled> ofService = selected(service.namespace(), service.selector());
      for (SubsetConfig subset : dr.subsets()) {
        if (ofService.stream().noneMatch(w -> Labels.matches(subset.labels(), w.labels()))) {
          add(
              FindingCode.SUBSET_SELECTS_NOTHING,
              ConfigKinds.DESTINATION_RULE.kind(),
              dr.namespace(),
              dr.name(),
              "subset "
                  + subset.name()
                  + " ("
                  + labels(subset.labels())
                  + ") matches none of the "
                  + ofService.size()
                  + " workloads of "
                  + dr.host());
        }
      }
    }
  }

  private void virtualServices() {
    Map<String, VirtualServiceConfig> first = new HashMap<>();
    for (VirtualServiceConfig vs : mesh.virtualServices()) {
      for (String host : vs.hosts()) {
        VirtualServiceConfig applies = first.putIfAbsent(host, vs);
        if (applies != null
            && applies != vs
            && applies.exportTo().everywhere()
            && vs.exportTo().everywhere()) {
          add(
              FindingCode.CONFLICTING_VIRTUAL_SERVICES,
              ConfigKinds.VIRTUAL_SERVICE.kind(),
              vs.namespace(),
              vs.name(),
              "host "
                  + host
                  + " is also routed by VirtualService "
                  + applies.namespace()
                  + "/"
                  + applies.name()
                  + ", which applies; this one is ignored for it");
        }
      }
    }
    Set<String> inForce =
        mesh.virtualServices().stream()
            .map(v -> v.namespace() + "/" + v.name())
            .collect(Collectors.toSet());
    Set<String> rejected =
        mesh.errors().stream()
            .map(e -> e.kind() + " " + e.namespace() + "/" + e.name())
            .collect(Collectors.toSet());
    for (ConfigObject o : objects) {
      if (o.resource() instanceof VirtualService vs
          && !inForce.contains(o.key().namespace() + "/" + o.key().name())
          && !rejected.contains(o.key().toString())) {
        add(
            FindingCode.GATEWAY_ONLY,
            o.key().kind(),
            o.key().namespace(),
            o.key().name(),
            "bound to gateways "
                + vs.getSpec().getGateways()
                + " without \"mesh\": sidecars do not use it");
      }
    }
  }

  private void peerAuthentications() {
    if (workloads.isEmpty()) {
      return;
    }
    for (PeerAuthenticationConfig pa : mesh.peerAuthentications()) {
      if (!pa.selector().isEmpty() && selected(pa.namespace(), pa.selector()).isEmpty()) {
        add(
            FindingCode.POLICY_SELECTS_NOTHING,
            ConfigKinds.PEER_AUTHENTICATION.kind(),
            pa.namespace(),
            pa.name(),
            "selector "
                + labels(pa.selector())
                + " matches no workload in namespace "
                + pa.namespace());
      }
    }
  }

  private void ignoredKinds() {
    for (JsonNode doc : others) {
      String apiVersion = doc.path("apiVersion").asText();
      if (apiVersion.contains("istio.io/")) {
        String kind = doc.path("kind").asText();
        add(
            FindingCode.KIND_IGNORED,
            kind,
            namespaceOf(doc),
            doc.at("/metadata/name").asText(),
            "kind " + kind + " (" + apiVersion + ") is not implemented by Outrigger: ignored");
      }
    }
  }

  private static String namespaceOf(JsonNode doc) {
    return doc.at("/metadata/namespace").asText("default");
  }
}
