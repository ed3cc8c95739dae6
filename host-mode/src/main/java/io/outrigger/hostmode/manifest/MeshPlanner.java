package io.outrigger.hostmode.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigKinds;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.controlplane.registry.yaml.InvalidYamlException;
import io.outrigger.controlplane.registry.yaml.YamlFiles;
import io.outrigger.hostnet.CidrBlock;
import io.outrigger.injector.inject.InjectionException;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectionResult;
import io.outrigger.injector.inject.SidecarInjector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a whole {@link MeshSpec} before anything runs and turns it into pods: every object host
 * mode cannot run, or that the control plane would reject, is one line naming the object and the
 * reason. The pods are injected by the real injector, with the namespace's labels, exactly as the
 * webhook would.
 */
public final class MeshPlanner {
  public static final CidrBlock VIP_RANGE = CidrBlock.parse("198.19.0.0/16");
  public static final int MAX_REPLICAS = 200;
  private static final CidrBlock ALLOWED = CidrBlock.parse("198.18.0.0/15");
  private static final Map<String, String> CORE_KINDS =
      Map.of(
          "Namespace",
          "v1",
          "ServiceAccount",
          "v1",
          "Service",
          "v1",
          "Pod",
          "v1",
          "ConfigMap",
          "v1",
          "Deployment",
          "apps/v1");
  private static final YAMLMapper YAML = new YAMLMapper();

  private final SidecarInjector injector;

  public MeshPlanner(SidecarInjector injector) {
    this.injector = injector;
  }

  /**
   * The pods to run, the objects for the control plane's registry, and the errors (empty:
   * runnable).
   */
  public record Plan(List<PodPlan> pods, List<KubeObject> registryObjects, List<String> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  public Plan plan(MeshSpec spec) {
    List<String> errors = new ArrayList<>();
    List<KubeObject> registry = new ArrayList<>();
    List<PodPlan> pods = new ArrayList<>();
    Map<String, String> vips = new HashMap<>();
    for (KubeObject o : spec.objects()) {
      if (!supported(o, errors)) {
        continue;
      }
      if (!o.namespace().isEmpty()
          && !o.namespace().equals("default")
          && !spec.has("Namespace", "", o.namespace())) {
        errors.add(
            o.describe()
                + ": namespace "
                + o.namespace()
                + " does not exist (add a Namespace object)");
        continue;
      }
      switch (o.kind()) {
        case "Service" -> {
          checkClusterIp(o, vips, errors);
          registry.add(o);
        }
        case "Pod" -> planPod(spec, o, o.body(), o.name(), null, pods, errors);
        case "Deployment" -> planDeployment(spec, o, pods, errors);
        case "Namespace", "ServiceAccount", "ConfigMap" -> {}
        default -> registry.add(o);
      }
    }
    checkUniquePodNames(pods, errors);
    checkWithControlPlane(registry, errors);
    return new Plan(pods, registry, errors);
  }

  private static boolean supported(KubeObject o, List<String> errors) {
    String core = CORE_KINDS.get(o.kind());
    boolean ok =
        core != null
            ? core.equals(o.apiVersion())
            : ConfigKinds.of(o.apiVersion(), o.kind()).isPresent();
    if (!ok) {
      errors.add(
          o.describe()
              + ": kind "
              + o.kind()
              + " of apiVersion "
              + o.apiVersion()
              + " is not supported in host mode ("
              + o.source()
              + ")");
    }
    return ok;
  }

  private static void checkClusterIp(KubeObject o, Map<String, String> vips, List<String> errors) {
    String ip = o.body().path("spec").path("clusterIP").asText("");
    if (ip.isEmpty() || ip.equals("None")) {
      return;
    }
    try {
      if (!ALLOWED.contains(ip)) {
        errors.add(
            o.describe()
                + ": spec.clusterIP "
                + ip
                + " is outside 198.18.0.0/15, the only range host "
                + "mode uses (leave it out and one is allocated from "
                + VIP_RANGE
                + ")");
        return;
      }
    } catch (IllegalArgumentException e) {
      errors.add(o.describe() + ": spec.clusterIP \"" + ip + "\" is not an IPv4 address");
      return;
    }
    String other = vips.putIfAbsent(ip, o.describe());
    if (other != null) {
      errors.add(o.describe() + ": spec.clusterIP " + ip + " is already " + other + "'s");
    }
  }

  private void planDeployment(
      MeshSpec spec, KubeObject d, List<PodPlan> pods, List<String> errors) {
    JsonNode dSpec = d.body().path("spec");
    JsonNode replicas = dSpec.path("replicas");
    int count =
        replicas.isMissingNode()
            ? 1
            : replicas.canConvertToInt() && replicas.isIntegralNumber() ? replicas.asInt() : -1;
    if (count < 0 || count > MAX_REPLICAS) {
      errors.add(
          d.describe() + ": spec.replicas " + replicas + " must be a number in 0.." + MAX_REPLICAS);
      return;
    }
    JsonNode template = dSpec.path("template");
    if (!template.path("spec").isObject()) {
      errors.add(d.describe() + ": spec.template.spec is missing");
      return;
    }
    JsonNode labels = template.path("metadata").path("labels");
    Iterator<Map.Entry<String, JsonNode>> selector =
        dSpec.path("selector").path("matchLabels").fields();
    if (!selector.hasNext()) {
      errors.add(d.describe() + ": spec.selector.matchLabels is missing");
      return;
    }
    while (selector.hasNext()) {
      Map.Entry<String, JsonNode> e = selector.next();
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        errors.add(
            d.describe()
                + ": spec.selector.matchLabels "
                + e.getKey()
                + "="
                + e.getValue().asText()
                + " does not match the pod template's labels");
        return;
      }
    }
    for (int i = 0; i < count; i++) {
      ObjectNode pod = JsonNodeFactory.instance.objectNode();
      pod.put("apiVersion", "v1");
      pod.put("kind", "Pod");
      ObjectNode metadata =
          template.path("metadata").isObject()
              ? ((ObjectNode) template.get("metadata")).deepCopy()
              : pod.objectNode();
      metadata.put("name", d.name() + "-" + i);
      metadata.put("namespace", d.namespace());
      pod.set("metadata", metadata);
      pod.set("spec", template.get("spec").deepCopy());
      if (!planPod(spec, d, pod, d.name() + "-" + i, d.name(), pods, errors)) {
        return;
      }
    }
  }

  /**
   * @return false when the pod (and so, for a template, every replica) has errors
   */
  private boolean planPod(
      MeshSpec spec,
      KubeObject source,
      JsonNode podNode,
      String name,
      String owner,
      List<PodPlan> pods,
      List<String> errors) {
    String who = owner == null ? source.describe() : source.describe() + " (pod template)";
    int before = errors.size();
    PodChecks.check(spec, source.namespace(), podNode, who, errors);
    if (errors.size() > before) {
      return false;
    }
    Map<String, String> nsLabels = namespaceLabels(spec, source.namespace());
    InjectionResult injected;
    try {
      injected =
          injector.inject(
              new InjectionRequest(podNode, source.namespace(), owner, Optional.of(nsLabels)));
    } catch (InjectionException | IllegalArgumentException e) {
      errors.add(who + ": " + e.getMessage());
      return false;
    }
    ObjectNode pod = injected.pod().deepCopy();
    ((ObjectNode) pod.get("metadata")).put("name", name).put("namespace", source.namespace());
    pods.add(new PodPlan(source.namespace(), name, owner, pod, injected.injected()));
    return true;
  }

  private static Map<String, String> namespaceLabels(MeshSpec spec, String namespace) {
    KubeObject ns = spec.get("Namespace", "", namespace);
    Map<String, String> labels = new LinkedHashMap<>();
    if (ns != null) {
      ns.body()
          .path("metadata")
          .path("labels")
          .fields()
          .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    }
    return labels;
  }

  private static void checkUniquePodNames(List<PodPlan> pods, List<String> errors) {
    Map<String, PodPlan> seen = new HashMap<>();
    for (PodPlan p : pods) {
      PodPlan first = seen.putIfAbsent(p.namespace() + "/" + p.name(), p);
      if (first != null) {
        errors.add(
            p.describe()
                + ": two objects make a pod of this name ("
                + (first.owner() == null ? "a Pod" : "Deployment " + first.owner())
                + " and "
                + (p.owner() == null ? "a Pod" : "Deployment " + p.owner())
                + ")");
      }
    }
  }

  /**
   * What the control plane would reject: each object through its own registry parser and assembler.
   */
  private static void checkWithControlPlane(List<KubeObject> registry, List<String> errors) {
    List<ConfigObject> objects = new ArrayList<>();
    List<ConfigError> readErrors = new ArrayList<>();
    for (KubeObject o : registry) {
      try {
        var contents = YamlFiles.parse(YAML.writeValueAsString(o.body()), o.source());
        objects.addAll(contents.objects());
        readErrors.addAll(contents.errors());
      } catch (IOException | InvalidYamlException e) {
        errors.add(o.describe() + ": " + e.getMessage());
      }
    }
    for (ConfigError e : new MeshAssembler().assemble(objects, readErrors).errors()) {
      errors.add(e.kind() + " " + e.namespace() + "/" + e.name() + ": " + e.reason());
    }
  }
}
