package io.outrigger.cli.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.webhook.WebhookManifest;
import io.outrigger.injector.yaml.KubeYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The objects of the Helm chart manifests/charts/outrigger, rendered without Helm: the chart's CRDs
 * as they are, and each template's object from the same values. {@code ManifestGenerateTest}
 * renders both with the default values and with a revision and 2 replicas and compares them object
 * by object, so a template changed without this class (or the other way round) fails the fast tier.
 */
public final class MeshManifest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String XDS_TLS = "15012";

  private final ChartValues values;
  private final String namespace;
  private final String revision;
  private final String name;

  public MeshManifest(ChartValues values, String namespace) {
    this.values = values;
    this.namespace = namespace;
    this.revision = values.revision();
    this.name = InjectorConfig.serviceName(revision);
  }

  /** The chart's CRD files, in file name order, each as its text. */
  public static List<String> crds() {
    List<String> crds = new ArrayList<>();
    withChartDirectory(
        "crds",
        dir -> {
          try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                files
                    .filter(f -> f.getFileName().toString().endsWith(".yaml"))
                    .sorted(
                        (a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList()) {
              crds.add(Files.readString(file, StandardCharsets.UTF_8));
            }
          }
        });
    return crds;
  }

  /** The templates' objects, in the order {@code kubectl apply} needs them (the webhooks last). */
  public List<ObjectNode> objects() {
    List<ObjectNode> objects = new ArrayList<>();
    values.replicaCount();
    if (values.createNamespace()) {
      objects.add(
          yaml(
              """
          apiVersion: v1
          kind: Namespace
          metadata:
            name: %s
            labels:
              app.kubernetes.io/part-of: outrigger
          """
                  .formatted(q(namespace))));
    }
    objects.add(object("v1", "ServiceAccount", true));
    ObjectNode clusterRole = object("rbac.authorization.k8s.io/v1", "ClusterRole", false);
    clusterRole.set(
        "rules",
        yaml("""
        r:
        - {apiGroups: [""], resources: [namespaces, pods], verbs: [get, list, watch]}
        - {apiGroups: [""], resources: [services], verbs: [list, watch]}
        - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
        - apiGroups: [networking.istio.io]
          resources: [virtualservices, destinationrules, workloadentries, serviceentries, sidecars]
          verbs: [get, list, watch]
        - {apiGroups: [security.istio.io], resources: [peerauthentications, authorizationpolicies, requestauthentications], verbs: [get, list, watch]}
        - {apiGroups: [gateway.networking.k8s.io], resources: [httproutes], verbs: [get, list, watch]}
        - {apiGroups: [gateway.networking.k8s.io], resources: [httproutes/status], verbs: [get, update, patch]}
        - {apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create]}
        - {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch, create, update]}
        - {apiGroups: [""], resources: [events], verbs: [get, create, update, patch]}
        - apiGroups: [admissionregistration.k8s.io]
          resources: [mutatingwebhookconfigurations, validatingwebhookconfigurations]
          verbs: [get, list, watch, update, patch]
        """)
            .get("r"));
    objects.add(clusterRole);
    objects.add(binding("ClusterRoleBinding", "ClusterRole", false));
    ObjectNode role = object("rbac.authorization.k8s.io/v1", "Role", true);
    role.set(
        "rules",
        yaml("""
        r:
        - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update, patch]}
        - {apiGroups: [""], resources: [secrets], resourceNames: [%s], verbs: [get]}
        - {apiGroups: [""], resources: [secrets], verbs: [create]}
        """
                .formatted(q(values.caSecretName())))
            .get("r"));
    objects.add(role);
    objects.add(binding("RoleBinding", "Role", true));
    ObjectNode injector = object("v1", "ConfigMap", true);
    ((ObjectNode) injector.get("metadata")).put("name", name + "-injector");
    String address =
        values.controlPlaneAddress().isEmpty()
            ? serviceHost() + ":" + XDS_TLS
            : values.controlPlaneAddress();
    injector
        .putObject("data")
        .put(
            "config.yaml",
            "image: "
                + values.image("proxy")
                + "\ncontrolPlaneAddress: "
                + address
                + "\ncontrolPlaneServerName: "
                + serviceHost()
                + "\n");
    objects.add(injector);
    objects.add(service());
    objects.add(deployment());
    objects.addAll(new CniObjects(values, namespace).objects());
    WebhookManifest webhooks = new WebhookManifest();
    WebhookManifest.Settings settings =
        new WebhookManifest.Settings(
            "",
            new WebhookManifest.ServiceTarget(name, namespace, 15017),
            namespace,
            revision,
            Optional.empty());
    objects.add(webhooks.mutating(settings));
    objects.add(webhooks.validating(settings));
    return objects;
  }

  /** Everything as one YAML stream: the CRDs, then the objects. */
  public String render() {
    StringBuilder out = new StringBuilder();
    for (String crd : crds()) {
      out.append("---\n").append(crd.endsWith("\n") ? crd : crd + "\n");
    }
    return out.append(renderObjects()).toString();
  }

  /** The objects only, as one YAML stream. */
  public String renderObjects() {
    StringBuilder out = new StringBuilder();
    try {
      for (ObjectNode object : objects()) {
        out.append(KubeYaml.documents().writeValueAsString(object));
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private String serviceHost() {
    return InjectorConfig.serviceHost(revision, namespace);
  }

  private ObjectNode service() {
    ObjectNode service = object("v1", "Service", true);
    ObjectNode spec =
        yaml(
            """
        selector: {app: outrigger, outrigger.io/rev: %s}
        ports:
        - {name: grpc-xds-tls, port: 15012, targetPort: 15012, protocol: TCP}
        - {name: http-monitoring, port: 15014, targetPort: 15014, protocol: TCP}
        - {name: https-webhook, port: 15017, targetPort: 15017, protocol: TCP}
        """
                .formatted(q(revision)));
    if (!values.serviceClusterIp().isEmpty()) {
      ObjectNode withIp = JSON.createObjectNode().put("clusterIP", values.serviceClusterIp());
      withIp.setAll(spec);
      spec = withIp;
    }
    service.set("spec", spec);
    return service;
  }

  private ObjectNode deployment() {
    ObjectNode deployment = object("apps/v1", "Deployment", true);
    ObjectNode spec =
        yaml(
            """
        replicas: %d
        selector:
          matchLabels: {app: outrigger, outrigger.io/rev: %s}
        template:
          metadata:
            labels: {app: outrigger, app.kubernetes.io/part-of: outrigger, outrigger.io/rev: %s,
                     sidecar.istio.io/inject: "false"}
          spec:
            serviceAccountName: %s
            securityContext: {runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, fsGroup: 1337}
            containers:
            - name: control-plane
              image: %s
              imagePullPolicy: %s
              args: [control-plane, --in-cluster, --registry, kube, --revision, %s, --namespace, %s,
                     --ca-dir, /var/run/outrigger/ca, --ca-secret, %s,
                     --injector-config, /etc/outrigger/injector/config.yaml, --trust-domain, %s,
                     --monitoring-address, 0.0.0.0]
              env:
              - {name: OUTRIGGER_LOG_LEVEL, value: %s}
              ports:
              - {name: grpc-xds-tls, containerPort: 15012, protocol: TCP}
              - {name: http-monitoring, containerPort: 15014, protocol: TCP}
              - {name: https-webhook, containerPort: 15017, protocol: TCP}
              readinessProbe:
                httpGet: {path: /metrics, port: 15014}
                periodSeconds: 2
                failureThreshold: 3
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
              volumeMounts:
              - {name: ca, mountPath: /var/run/outrigger/ca}
              - {name: injector, mountPath: /etc/outrigger/injector, readOnly: true}
              - {name: tmp, mountPath: /tmp}
            volumes:
            - {name: ca, emptyDir: {medium: Memory}}
            - {name: injector, configMap: {name: %s}}
            - {name: tmp, emptyDir: {}}
        """
                .formatted(
                    values.replicaCount(),
                    q(revision),
                    q(revision),
                    q(name),
                    q(values.image("controlPlane")),
                    q(values.pullPolicy()),
                    q(revision),
                    q(namespace),
                    q(values.caSecretName()),
                    q(values.string("controlPlane.trustDomain")),
                    q(values.string("controlPlane.logLevel")),
                    q(name + "-injector")));
    String jvmOptions = values.string("controlPlane.jvmOptions");
    if (!jvmOptions.isEmpty()) {
      ((ArrayNode) spec.at("/template/spec/containers/0/env"))
          .addObject()
          .put("name", "JDK_JAVA_OPTIONS")
          .put("value", jvmOptions);
    }
    JsonNode resources = values.map("controlPlane.resources");
    if (!resources.isEmpty()) {
      ((ObjectNode) spec.at("/template/spec/containers/0")).set("resources", resources.deepCopy());
    }
    deployment.set("spec", spec);
    return deployment;
  }

  private ObjectNode binding(String kind, String roleKind, boolean namespaced) {
    ObjectNode binding = object("rbac.authorization.k8s.io/v1", kind, namespaced);
    binding.set(
        "roleRef",
        yaml(
            "apiGroup: rbac.authorization.k8s.io\nkind: %s\nname: %s\n"
                .formatted(roleKind, q(name))));
    binding.set(
        "subjects",
        yaml("s:\n- {kind: ServiceAccount, name: %s, namespace: %s}\n"
                .formatted(q(name), q(namespace)))
            .get("s"));
    return binding;
  }

  /** apiVersion, kind and metadata (name, namespace when namespaced, the release's labels). */
  private ObjectNode object(String apiVersion, String kind, boolean namespaced) {
    ObjectNode object = JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
    ObjectNode metadata = object.putObject("metadata").put("name", name);
    if (namespaced) {
      metadata.put("namespace", namespace);
    }
    metadata
        .putObject("labels")
        .put("app", "outrigger")
        .put("app.kubernetes.io/part-of", "outrigger")
        .put("outrigger.io/rev", revision);
    return object;
  }

  /** A YAML template's object (shared with {@link CniObjects}). */
  static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) KubeYaml.single().readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest template: " + e.getMessage(), e);
    }
  }

  /** A YAML (JSON) string literal. */
  static String q(String value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  interface DirectoryUse {
    void accept(Path dir) throws IOException;
  }

  /** The chart's directory on the classpath, in a jar or in target/classes. */
  private static void withChartDirectory(String sub, DirectoryUse use) {
    URL url = MeshManifest.class.getResource(ChartValues.CHART_RESOURCE + sub);
    if (url == null) {
      throw new IllegalStateException("the chart's " + sub + "/ is not in this build of outrigger");
    }
    try {
      URI uri = url.toURI();
      if (!"jar".equals(uri.getScheme())) {
        use.accept(Path.of(uri));
        return;
      }
      FileSystem fs;
      boolean opened = false;
      try {
        fs = FileSystems.getFileSystem(uri);
      } catch (FileSystemNotFoundException e) {
        fs = FileSystems.newFileSystem(uri, Map.of());
        opened = true;
      }
      try {
        use.accept(fs.provider().getPath(uri));
      } finally {
        if (opened) {
          fs.close();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the chart's " + sub + "/: " + e.getMessage(), e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
