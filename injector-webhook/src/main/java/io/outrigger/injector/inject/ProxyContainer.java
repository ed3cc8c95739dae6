package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.sidecar.MeshKeys;
import io.outrigger.sidecar.ProxyUser;
import io.outrigger.sidecar.SidecarPorts;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The sidecar container and the volumes it needs, as the pod spec will carry them. */
final class ProxyContainer {

  static final String NAME = "outrigger-proxy";
  static final String ENVOY_VOLUME = "outrigger-envoy";
  static final String TOKEN_VOLUME = "outrigger-token";
  static final String ROOT_VOLUME = "outrigger-ca-root";
  static final String ROOT_CONFIG_MAP = "outrigger-ca-root-cert";

  private static final Path TOKEN_DIR = Path.of("/var/run/secrets/tokens");
  private static final Path ROOT_DIR = Path.of("/var/run/secrets/outrigger");
  private static final String TOKEN_FILE = "outrigger-token";
  private static final String ROOT_FILE = "root-cert.pem";
  private static final int TOKEN_SECONDS = 12 * 3600;
  private static final Pattern QUANTITY =
      Pattern.compile(
          "^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$");

  /**
   * Waits for Envoy's readiness with bash builtins alone (the Envoy image has no curl). HTTP/1.1,
   * because Envoy refuses HTTP/1.0 by default; a read timeout, because before its first config
   * Envoy's listener accepts connections that no worker serves yet; no {@code $(} anywhere, which
   * the kubelet would expand.
   */
  private static final String WAIT_FOR_READY =
      "for ((i=0; i<600; i++)); do "
          + "if { exec 3<>/dev/tcp/127.0.0.1/"
          + SidecarPorts.READINESS
          + "; } 2>/dev/null"
          + " && printf 'GET "
          + SidecarPorts.READINESS_PATH
          + " HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3"
          + " && read -t 2 -r status <&3 && [[ $status == *' 200 '* ]]; then exit 0; fi; "
          + "exec 3>&-; sleep 0.5; done; echo 'outrigger-proxy not ready after 300 s' >&2; exit 1";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final InjectorConfig config;
  private final BootstrapJsonCache bootstraps;
  private final ControlPlaneAddress controlPlane;

  ProxyContainer(InjectorConfig config, SidecarBootstrap bootstrap) {
    this.config = config;
    this.bootstraps = new BootstrapJsonCache(bootstrap);
    this.controlPlane = ControlPlaneAddress.parse(config.controlPlaneAddress());
  }

  /** The pod-specific facts the sidecar is built from. */
  record Target(String who, String workloadName, Map<String, String> labels, JsonNode pod) {}

  ObjectNode container(Target target, boolean nativeSidecar) {
    ObjectNode c = JSON.objectNode();
    c.put("name", NAME);
    c.put("image", PodJson.annotation(target.pod(), MeshKeys.PROXY_IMAGE).orElse(config.image()));
    c.put("imagePullPolicy", "IfNotPresent");
    c.putArray("command").add("/usr/local/bin/envoy");
    ArrayNode args = c.putArray("args");
    // The kubelet expands $(VAR) in args from the env below: the bootstrap learns the pod's name
    // and IP, which do not exist yet when the API server calls the webhook.
    List.of(
            "--config-yaml",
            bootstraps.renderJson(bootstrapParams(target)),
            "--log-level",
            config.logLevel(),
            "--concurrency",
            "2",
            "--disable-hot-restart")
        .forEach(args::add);
    SidecarBootstrap.DRAIN_FLAGS.forEach(args::add);
    if (nativeSidecar) {
      c.put("restartPolicy", "Always");
    }
    c.set("env", env());
    ObjectNode port = c.putArray("ports").addObject();
    port.put("name", "http-envoy-prom");
    port.put("containerPort", SidecarPorts.PROMETHEUS);
    port.put("protocol", "TCP");
    c.set("readinessProbe", readyProbe(15, 4));
    if (nativeSidecar) {
      // The kubelet starts the app containers only once this probe passes.
      c.set("startupProbe", readyProbe(1, 600));
    } else if (config.holdApplicationUntilProxyStarts()) {
      // postStart blocks the next container's start, so the app waits for Envoy.
      c.putObject("lifecycle")
          .putObject("postStart")
          .putObject("exec")
          .putArray("command")
          .add("/bin/bash")
          .add("-c")
          .add(WAIT_FOR_READY);
    }
    c.set("resources", resources(target));
    c.set("securityContext", securityContext());
    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.add(mount(ENVOY_VOLUME, "/etc/outrigger/proxy", false));
    mounts.add(mount(TOKEN_VOLUME, TOKEN_DIR.toString(), true));
    mounts.add(mount(ROOT_VOLUME, ROOT_DIR.toString(), true));
    return c;
  }

  List<ObjectNode> volumes() {
    ObjectNode envoy = JSON.objectNode().put("name", ENVOY_VOLUME);
    envoy.putObject("emptyDir").put("medium", "Memory");
    ObjectNode token = JSON.objectNode().put("name", TOKEN_VOLUME);
    ObjectNode sat =
        token
            .putObject("projected")
            .putArray("sources")
            .addObject()
            .putObject("serviceAccountToken");
    sat.put("audience", "outrigger");
    sat.put("expirationSeconds", TOKEN_SECONDS);
    sat.put("path", TOKEN_FILE);
    ObjectNode root = JSON.objectNode().put("name", ROOT_VOLUME);
    root.putObject("configMap").put("name", ROOT_CONFIG_MAP);
    return List.of(envoy, token, root);
  }

  private BootstrapParams bootstrapParams(Target target) {
    return BootstrapParams.builder()
        .namespace("$(POD_NAMESPACE)")
        .podName("$(POD_NAME)")
        .podUid("$(POD_UID)")
        .instanceIp("$(INSTANCE_IP)")
        .serviceAccount("$(SERVICE_ACCOUNT)")
        .workloadName(target.workloadName())
        .labels(target.labels())
        .controlPlane(controlPlane)
        .transport(XdsTransport.TLS_TOKEN)
        .tokenFile(TOKEN_DIR.resolve(TOKEN_FILE))
        .rootCertFile(ROOT_DIR.resolve(ROOT_FILE))
        .controlPlaneServerName(config.controlPlaneServerName())
        .apiType(config.xdsApiType())
        .build();
  }

  private static ArrayNode env() {
    ArrayNode env = JSON.arrayNode();
    env.add(fieldEnv("POD_NAME", "metadata.name"));
    env.add(fieldEnv("POD_NAMESPACE", "metadata.namespace"));
    // The control plane checks a pod-bound token against the pod this names (docs/kubernetes.md).
    env.add(fieldEnv("POD_UID", "metadata.uid"));
    env.add(fieldEnv("INSTANCE_IP", "status.podIP"));
    env.add(fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    env.add(fieldEnv("NODE_NAME", "spec.nodeName"));
    return env;
  }

  private static ObjectNode fieldEnv(String name, String fieldPath) {
    ObjectNode var = JSON.objectNode().put("name", name);
    ObjectNode ref = var.putObject("valueFrom").putObject("fieldRef");
    ref.put("apiVersion", "v1");
    ref.put("fieldPath", fieldPath);
    return var;
  }

  private static ObjectNode readyProbe(int periodSeconds, int failureThreshold) {
    ObjectNode probe = JSON.objectNode();
    ObjectNode get = probe.putObject("httpGet");
    get.put("path", SidecarPorts.READINESS_PATH);
    get.put("port", SidecarPorts.READINESS);
    get.put("scheme", "HTTP");
    probe.put("periodSeconds", periodSeconds);
    probe.put("timeoutSeconds", 3);
    probe.put("failureThreshold", failureThreshold);
    return probe;
  }

  private ObjectNode resources(Target target) {
    ProxyResources defaults = config.resources();
    ObjectNode resources = JSON.objectNode();
    ObjectNode requests = JSON.objectNode();
    ObjectNode limits = JSON.objectNode();
    putQuantity(requests, "cpu", target, MeshKeys.PROXY_CPU, defaults.cpuRequest());
    putQuantity(requests, "memory", target, MeshKeys.PROXY_MEMORY, defaults.memoryRequest());
    putQuantity(limits, "cpu", target, MeshKeys.PROXY_CPU_LIMIT, defaults.cpuLimit());
    putQuantity(limits, "memory", target, MeshKeys.PROXY_MEMORY_LIMIT, defaults.memoryLimit());
    if (!limits.isEmpty()) {
      resources.set("limits", limits);
    }
    if (!requests.isEmpty()) {
      resources.set("requests", requests);
    }
    return resources;
  }

  private static void putQuantity(
      ObjectNode into, String resource, Target target, String annotation, String fallback) {
    String value = PodJson.annotation(target.pod(), annotation).orElse(fallback);
    if (value == null) {
      return;
    }
    if (!QUANTITY.matcher(value).matches()) {
      throw new InjectionException(
          "pod "
              + target.who()
              + ": annotation "
              + annotation
              + "=\""
              + value
              + "\" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)");
    }
    into.put(resource, value);
  }

  private static ObjectNode securityContext() {
    ObjectNode sc = JSON.objectNode();
    sc.put("runAsUser", ProxyUser.UID);
    sc.put("runAsGroup", ProxyUser.GID);
    sc.put("runAsNonRoot", true);
    sc.put("readOnlyRootFilesystem", true);
    sc.put("allowPrivilegeEscalation", false);
    sc.put("privileged", false);
    sc.putObject("capabilities").putArray("drop").add("ALL");
    return sc;
  }

  private static ObjectNode mount(String name, String path, boolean readOnly) {
    ObjectNode mount = JSON.objectNode();
    mount.put("name", name);
    mount.put("mountPath", path);
    if (readOnly) {
      mount.put("readOnly", true);
    }
    return mount;
  }
}
