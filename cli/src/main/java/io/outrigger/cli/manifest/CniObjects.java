package io.outrigger.cli.manifest;

import static io.outrigger.cli.manifest.MeshManifest.q;
import static io.outrigger.cli.manifest.MeshManifest.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The objects of the chart's templates/cni.yaml (the CNI node agent, docs/cni.md "The DaemonSet"),
 * rendered without Helm from the same values; {@code ManifestGenerateTest} compares them with
 * {@code helm template}.
 */
final class CniObjects {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "outrigger-cni";

  private final ChartValues values;
  private final String namespace;

  CniObjects(ChartValues values, String namespace) {
    this.values = values;
    this.namespace = namespace;
  }

  /** In the order of the template; none when {@code cni.enabled} is false. */
  List<ObjectNode> objects() {
    List<ObjectNode> objects = new ArrayList<>();
    JsonNode enabled = values.at("cni.enabled");
    if (!enabled.isBoolean()) {
      throw new IllegalArgumentException(
          "value 'cni.enabled' '" + enabled.asText() + "': must be true or false");
    }
    if (!enabled.asBoolean()) {
      return objects;
    }
    objects.add(object("v1", "ServiceAccount", true));
    ObjectNode clusterRole = object("rbac.authorization.k8s.io/v1", "ClusterRole", false);
    clusterRole.set(
        "rules",
        yaml("r:\n- {apiGroups: [\"\"], resources: [pods], verbs: [get, list, delete, patch]}\n")
            .get("r"));
    objects.add(clusterRole);
    objects.add(binding("ClusterRoleBinding", "ClusterRole", false));
    ObjectNode role = object("rbac.authorization.k8s.io/v1", "Role", true);
    role.set(
        "rules",
        yaml("r:\n- {apiGroups: [apps], resources: [daemonsets], resourceNames: [outrigger-cni], verbs: [get]}\n")
            .get("r"));
    objects.add(role);
    objects.add(binding("RoleBinding", "Role", true));
    objects.add(daemonSet());
    return objects;
  }

  private ObjectNode daemonSet() {
    ObjectNode ds = object("apps/v1", "DaemonSet", true);
    String image =
        values.string("cni.image").isEmpty()
            ? values.image("controlPlane")
            : values.string("cni.image");
    List<String> excluded = new ArrayList<>();
    values.at("cni.excludeNamespaces").forEach(n -> excluded.add(n.asText()));
    String binDir = path("cni.binDir");
    String confDir = path("cni.confDir");
    String records = path("cni.podRecordsDir");
    int port = port();
    ObjectNode spec =
        yaml(
            """
        selector:
          matchLabels: {app: outrigger-cni}
        updateStrategy:
          type: RollingUpdate
          rollingUpdate: {maxUnavailable: 1}
        template:
          metadata:
            labels: {app: outrigger-cni, app.kubernetes.io/part-of: outrigger, sidecar.istio.io/inject: "false"}
          spec:
            serviceAccountName: outrigger-cni
            hostNetwork: true
            tolerations:
            - operator: Exists
            terminationGracePeriodSeconds: %d
            containers:
            - name: install-cni
              image: %s
              imagePullPolicy: %s
              args: [cni, install, --watch, %s, %s, %s, --service-account-dir=/var/run/secrets/kubernetes.io/serviceaccount,
                     %s, %s, %s, %s, %s, %s, "--node-name=$(NODE_NAME)", %s]
              env:
              - name: NODE_NAME
                valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
              - {name: OUTRIGGER_LOG_LEVEL, value: INFO}
              readinessProbe:
                httpGet: {path: /readyz, port: %d}
                periodSeconds: 2
                failureThreshold: 1
              securityContext: {privileged: true, runAsUser: 0}
              volumeMounts:
              - {name: cni-bin, mountPath: %s}
              - {name: cni-conf, mountPath: %s}
              - {name: pod-records, mountPath: %s}
              - {name: tmp, mountPath: /tmp}
            volumes:
            - name: cni-bin
              hostPath: {path: %s, type: DirectoryOrCreate}
            - name: cni-conf
              hostPath: {path: %s, type: DirectoryOrCreate}
            - name: pod-records
              hostPath: {path: %s, type: DirectoryOrCreate}
            - name: tmp
              emptyDir: {}
        """
                .formatted(
                    integer("cni.terminationGracePeriodSeconds"),
                    q(image),
                    q(values.pullPolicy()),
                    q("--bin-dir=" + binDir),
                    q("--conf-dir=" + confDir),
                    q("--plugin-image=" + path("cni.pluginImageDir")),
                    q("--exclude-namespaces=" + String.join(",", excluded)),
                    q("--log-file=" + path("cni.logFile")),
                    q("--pod-records=" + records),
                    q("--resync=" + values.string("cni.resync")),
                    q("--readiness-port=" + port),
                    q("--repair=" + values.string("cni.repair")),
                    q("--daemonset=" + namespace + "/" + NAME),
                    port,
                    q(binDir),
                    q(confDir),
                    q(records),
                    q(binDir),
                    q(confDir),
                    q(records)));
    ObjectNode podSpec = (ObjectNode) spec.at("/template/spec");
    String priority = values.string("cni.priorityClassName");
    if (!priority.isEmpty()) {
      ObjectNode reordered = JSON.createObjectNode();
      podSpec
          .fields()
          .forEachRemaining(
              e -> {
                reordered.set(e.getKey(), e.getValue());
                if (e.getKey().equals("tolerations")) {
                  reordered.put("priorityClassName", priority);
                }
              });
      ((ObjectNode) spec.get("template")).set("spec", reordered);
      podSpec = reordered;
    }
    JsonNode resources = values.map("cni.resources");
    if (!resources.isEmpty()) {
      ((ObjectNode) podSpec.at("/containers/0")).set("resources", resources.deepCopy());
    }
    ds.set("spec", spec);
    return ds;
  }

  private String path(String key) {
    String p = values.string(key);
    if (!p.startsWith("/")) {
      throw new IllegalArgumentException(
          "value '" + key + "' '" + p + "': must be an absolute path on the node");
    }
    return p;
  }

  private int port() {
    int port = integer("cni.readinessPort");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "value 'cni.readinessPort' '" + port + "': must be a port (1-65535)");
    }
    return port;
  }

  private int integer(String key) {
    JsonNode node = values.at(key);
    if (!node.isInt()) {
      throw new IllegalArgumentException(
          "value '" + key + "' '" + node.asText() + "': must be a whole number");
    }
    return node.asInt();
  }

  private ObjectNode binding(String kind, String roleKind, boolean namespaced) {
    ObjectNode binding = object("rbac.authorization.k8s.io/v1", kind, namespaced);
    binding.set(
        "roleRef",
        yaml(
            "apiGroup: rbac.authorization.k8s.io\nkind: %s\nname: outrigger-cni\n"
                .formatted(roleKind)));
    binding.set(
        "subjects",
        yaml("s:\n- {kind: ServiceAccount, name: outrigger-cni, namespace: %s}\n"
                .formatted(q(namespace)))
            .get("s"));
    return binding;
  }

  private ObjectNode object(String apiVersion, String kind, boolean namespaced) {
    ObjectNode object = JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
    ObjectNode metadata = object.putObject("metadata").put("name", NAME);
    if (namespaced) {
      metadata.put("namespace", namespace);
    }
    metadata.putObject("labels").put("app", NAME).put("app.kubernetes.io/part-of", "outrigger");
    return object;
  }
}
