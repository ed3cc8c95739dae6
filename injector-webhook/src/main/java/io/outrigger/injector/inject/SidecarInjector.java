package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.injector.patch.JsonPatchDiff;
import io.outrigger.sidecar.MeshKeys;
import io.outrigger.sidecar.ProxyUser;
import io.outrigger.sidecar.SidecarPorts;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.probes.AppProbesAnnotation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Injection as a pure function: a pod in, the meshed pod and the JSON Patch between them out.
 * Nothing here does I/O, so the webhook, {@code outrigger inject} and the tests share it.
 */
public final class SidecarInjector {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final InjectorConfig config;
  private final InjectionPolicy policy;
  private final ProxyContainer proxy;

  public SidecarInjector(InjectorConfig config, SidecarBootstrap bootstrap) {
    this.config = config;
    this.policy = new InjectionPolicy(config);
    this.proxy = new ProxyContainer(config, bootstrap);
  }

  /** Injects the pod or explains why not; throws {@link InjectionException} for a bad request. */
  public InjectionResult inject(InjectionRequest request) {
    JsonNode original = request.pod();
    if (!original.isObject() || !original.path("spec").isObject()) {
      throw new InjectionException("pod " + request.who() + ": has no spec object");
    }
    Decision decision = policy.decide(request);
    if (!decision.injects()) {
      return new InjectionResult(decision, (ObjectNode) original, JSON.arrayNode(), List.of());
    }
    ObjectNode pod = original.deepCopy();
    String who = request.who();
    List<String> warnings = new ArrayList<>();
    boolean nativeSidecar = nativeSidecar(pod, who);
    ObjectNode spec = (ObjectNode) pod.get("spec");
    String appContainer = spec.path("containers").path(0).path("name").asText(null);

    Map<String, JsonNode> probes = rewriteProbes(pod, spec, who, warnings);
    warnAboutProxyUid(spec, who, warnings);
    ObjectNode sidecar = proxy.container(target(pod, request, who), nativeSidecar);
    // First, so that the app's own init containers and containers already run behind Envoy.
    PodJson.array(spec, nativeSidecar ? "initContainers" : "containers").insert(0, sidecar);
    ArrayNode volumes = PodJson.array(spec, "volumes");
    proxy.volumes().forEach(volumes::add);
    annotate(pod, appContainer, probes, nativeSidecar);
    return new InjectionResult(decision, pod, JsonPatchDiff.diff(original, pod), warnings);
  }

  private boolean nativeSidecar(JsonNode pod, String who) {
    String override =
        PodJson.annotation(pod, MeshKeys.NATIVE_SIDECAR)
            .or(() -> PodJson.annotation(pod, MeshKeys.ISTIO_NATIVE_SIDECAR))
            .orElse(null);
    if (override != null) {
      if (!override.equals("true") && !override.equals("false")) {
        throw new InjectionException(
            "pod "
                + who
                + ": annotation "
                + MeshKeys.NATIVE_SIDECAR
                + "=\""
                + override
                + "\" must be \"true\" or \"false\"");
      }
      return Boolean.parseBoolean(override);
    }
    return switch (config.nativeSidecar()) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> config.apiServerHasNativeSidecars();
    };
  }

  private Map<String, JsonNode> rewriteProbes(
      JsonNode pod, ObjectNode spec, String who, List<String> warnings) {
    Map<String, JsonNode> probes = new TreeMap<>();
    boolean enabled =
        PodJson.annotation(pod, MeshKeys.REWRITE_PROBES)
            .map(Boolean::parseBoolean)
            .orElse(config.rewriteAppProbes());
    if (enabled) {
      for (JsonNode container : spec.path("containers")) {
        ProbeRewriter.rewrite((ObjectNode) container, who, probes, warnings);
      }
    }
    return probes;
  }

  /** The capture rules exempt UID 1337; an app running as it would bypass the sidecar. */
  private static void warnAboutProxyUid(ObjectNode spec, String who, List<String> warnings) {
    if (spec.path("securityContext").path("runAsUser").asLong(-1) == ProxyUser.UID) {
      warnings.add(
          "pod " + who + " runs as UID 1337, the proxy's: its traffic bypasses the sidecar");
    }
    for (JsonNode c : spec.path("containers")) {
      if (c.path("securityContext").path("runAsUser").asLong(-1) == ProxyUser.UID) {
        warnings.add(
            "pod "
                + who
                + " container "
                + c.path("name").asText()
                + " runs as UID 1337, the proxy's: its traffic bypasses the sidecar");
      }
    }
  }

  private static ProxyContainer.Target target(
      ObjectNode pod, InjectionRequest request, String who) {
    Map<String, String> labels = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = pod.path("metadata").path("labels").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      labels.put(label.getKey(), label.getValue().asText());
    }
    String workload =
        request.workloadName() != null ? request.workloadName() : WorkloadName.of(pod, labels);
    return new ProxyContainer.Target(who, workload, labels, pod);
  }

  private void annotate(
      ObjectNode pod, String appContainer, Map<String, JsonNode> probes, boolean nativeSidecar) {
    ObjectNode metadata = PodJson.object(pod, "metadata");
    PodJson.object(metadata, "labels").put(MeshKeys.TLS_MODE, "istio");
    ObjectNode annotations = PodJson.object(metadata, "annotations");
    annotations.put(MeshKeys.STATUS, status(nativeSidecar).toString());
    if (!annotations.has(MeshKeys.PROMETHEUS_SCRAPE)) {
      // An app that declares its own scrape target keeps it; otherwise Prometheus reads Envoy.
      annotations.put(MeshKeys.PROMETHEUS_SCRAPE, "true");
      annotations.put(MeshKeys.PROMETHEUS_PORT, String.valueOf(SidecarPorts.PROMETHEUS));
      annotations.put(MeshKeys.PROMETHEUS_PATH, SidecarPorts.PROMETHEUS_PATH);
    }
    if (appContainer != null && !annotations.has(MeshKeys.DEFAULT_CONTAINER)) {
      annotations.put(MeshKeys.DEFAULT_CONTAINER, appContainer);
    }
    if (!probes.isEmpty()) {
      annotations.put(AppProbesAnnotation.KEY, AppProbesAnnotation.encode(probes));
    }
  }

  private ObjectNode status(boolean nativeSidecar) {
    ObjectNode status = JSON.objectNode();
    status.put("revision", config.revision());
    status.put("version", SidecarBootstrap.runningVersion());
    status.put("nativeSidecar", nativeSidecar);
    ArrayNode init = status.putArray("initContainers");
    ArrayNode containers = status.putArray("containers");
    (nativeSidecar ? init : containers).add(ProxyContainer.NAME);
    ArrayNode volumes = status.putArray("volumes");
    proxy.volumes().forEach(v -> volumes.add(v.path("name").asText()));
    return status;
  }
}
