package io.outrigger.hostmode.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What host mode can run of a pod spec: containers are processes ({@code command} + {@code args},
 * the image is ignored), volumes are directories (emptyDir, configMap, projected service-account
 * tokens), probes are HTTP GET or TCP. Anything else is reported, naming the pod and the field,
 * before anything starts.
 */
public final class PodChecks {
  /** The field paths a container's env may read with {@code valueFrom.fieldRef}. */
  public static final Set<String> FIELD_REFS =
      Set.of(
          "metadata.name",
          "metadata.namespace",
          "metadata.uid",
          "status.podIP",
          "spec.serviceAccountName",
          "spec.nodeName",
          "status.hostIP");

  /** The mesh root certificate's ConfigMap, which the control plane puts in every namespace. */
  public static final String ROOT_CERT_CONFIG_MAP = "outrigger-ca-root-cert";

  private PodChecks() {}

  static void check(
      MeshSpec spec, String namespace, JsonNode pod, String who, List<String> errors) {
    JsonNode podSpec = pod.path("spec");
    if (podSpec.path("hostNetwork").asBoolean(false)) {
      errors.add(
          who + ": spec.hostNetwork is not supported in host mode (every pod has its own netns)");
    }
    String sa =
        podSpec.path("serviceAccountName").asText(podSpec.path("serviceAccount").asText("default"));
    if (!sa.equals("default") && !spec.has("ServiceAccount", namespace, sa)) {
      errors.add(
          who
              + ": service account "
              + namespace
              + "/"
              + sa
              + " does not exist (add a ServiceAccount)");
    }
    Set<String> volumes = new HashSet<>();
    for (JsonNode v : podSpec.path("volumes")) {
      volumes.add(v.path("name").asText());
      checkVolume(spec, namespace, v, who, errors);
    }
    if (!podSpec.path("containers").isArray() || podSpec.path("containers").isEmpty()) {
      errors.add(who + ": spec.containers is empty");
    }
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode c : podSpec.path(list)) {
        checkContainer(
            c, who + " container " + c.path("name").asText("(unnamed)"), volumes, errors);
      }
    }
    checkUid(
        podSpec.path("securityContext").path("runAsUser"),
        who + ": spec.securityContext.runAsUser",
        errors);
  }

  private static void checkVolume(
      MeshSpec spec, String namespace, JsonNode v, String who, List<String> errors) {
    String where = who + " volume " + v.path("name").asText("(unnamed)");
    if (v.has("emptyDir")) {
      return;
    }
    if (v.has("configMap")) {
      checkConfigMap(spec, namespace, v.path("configMap").path("name").asText(""), where, errors);
      return;
    }
    if (v.has("projected")) {
      for (JsonNode source : v.path("projected").path("sources")) {
        if (source.has("configMap")) {
          checkConfigMap(
              spec, namespace, source.path("configMap").path("name").asText(""), where, errors);
        } else if (!source.has("serviceAccountToken")) {
          errors.add(
              where
                  + ": projected sources other than serviceAccountToken and configMap are not "
                  + "supported in host mode");
        }
      }
      return;
    }
    errors.add(
        where + ": only emptyDir, configMap and projected volumes are supported in host mode");
  }

  private static void checkConfigMap(
      MeshSpec spec, String namespace, String name, String where, List<String> errors) {
    if (!name.equals(ROOT_CERT_CONFIG_MAP) && !spec.has("ConfigMap", namespace, name)) {
      errors.add(where + ": ConfigMap " + namespace + "/" + name + " does not exist");
    }
  }

  private static void checkContainer(
      JsonNode c, String where, Set<String> volumes, List<String> errors) {
    JsonNode command = c.path("command");
    if (!command.isArray() || command.isEmpty()) {
      errors.add(
          where
              + ": has no command; host mode runs command + args as a process (the image is ignored)");
    }
    for (String field : List.of("command", "args")) {
      for (JsonNode arg : c.path(field)) {
        if (!arg.isValueNode()) {
          errors.add(where + ": " + field + " must be a list of strings");
          break;
        }
      }
    }
    for (JsonNode env : c.path("env")) {
      JsonNode from = env.path("valueFrom");
      if (!from.isMissingNode()
          && !FIELD_REFS.contains(from.path("fieldRef").path("fieldPath").asText())) {
        errors.add(
            where
                + ": env "
                + env.path("name").asText()
                + ": only valueFrom.fieldRef of "
                + FIELD_REFS
                + " is supported in host mode");
      }
    }
    for (JsonNode m : c.path("volumeMounts")) {
      if (!volumes.contains(m.path("name").asText())) {
        errors.add(
            where + ": volumeMount " + m.path("name").asText() + " names no volume of the pod");
      }
      if (m.has("subPath")) {
        errors.add(
            where
                + ": volumeMount "
                + m.path("name").asText()
                + ": subPath is not supported in host mode");
      }
    }
    for (String probe : List.of("readinessProbe", "startupProbe", "livenessProbe")) {
      JsonNode p = c.path(probe);
      if (!p.isMissingNode() && !p.has("httpGet") && !p.has("tcpSocket")) {
        errors.add(
            where
                + ": "
                + probe
                + ": only httpGet and tcpSocket probes are supported in host mode");
      }
      JsonNode port =
          p.has("httpGet") ? p.path("httpGet").path("port") : p.path("tcpSocket").path("port");
      if (!p.isMissingNode() && !port.isMissingNode() && !port.isIntegralNumber()) {
        errors.add(where + ": " + probe + ": port " + port + " must be a number in host mode");
      }
      JsonNode period = p.path("periodSeconds");
      if (!period.isMissingNode() && (!period.isIntegralNumber() || period.asLong() < 1)) {
        errors.add(
            where
                + ": "
                + probe
                + ": periodSeconds "
                + period
                + " must be a whole number, at least 1");
      }
    }
    checkUid(
        c.path("securityContext").path("runAsUser"), where + ": securityContext.runAsUser", errors);
  }

  private static void checkUid(JsonNode uid, String where, List<String> errors) {
    if (!uid.isMissingNode()
        && (!uid.isIntegralNumber() || uid.asLong() < 0 || uid.asLong() > 65534)) {
      errors.add(where + " " + uid + " must be a UID in 0..65534");
    }
  }
}
