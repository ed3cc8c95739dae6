package io.outrigger.injector.webhook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.inject.MeshKeys;
import io.outrigger.injector.yaml.KubeYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;

/**
 * Renders the MutatingWebhookConfiguration. One webhook per way a pod can opt in, because a label
 * selector cannot say "A or B": the namespace labels ({@code outrigger.io/injection},
 * {@code istio-injection}, the revision labels), and, in a namespace with none of them, the pod's
 * own {@code sidecar.istio.io/inject=true} or revision label.
 * Only pod CREATE is sent; kube-system and the control plane's namespace never are.
 */
public final class WebhookManifest {

  /**
   * @param caBundlePem the CA that signed the webhook's serving certificate (PEM)
   * @param serviceName the Service in front of the webhook
   * @param serviceNamespace the control plane's namespace
   * @param revision the revision this webhook serves
   * @param port the Service port
   */
  public record Settings(
      String caBundlePem, String serviceName, String serviceNamespace, String revision, int port) {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final List<String> POD_OPT_IN_LABELS =
      List.of(MeshKeys.INJECT, MeshKeys.REVISION, MeshKeys.ISTIO_REVISION);
  private static final List<String> OPT_IN_LABELS =
      List.of(MeshKeys.NAMESPACE_INJECTION, MeshKeys.ISTIO_NAMESPACE_INJECTION, MeshKeys.REVISION,
          MeshKeys.ISTIO_REVISION);

  private final YAMLMapper yaml = KubeYaml.documents();

  public String render(Settings s) {
    if (!s.caBundlePem().contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("webhook manifest: --ca-bundle holds no PEM certificate");
    }
    ObjectNode config = JSON.objectNode();
    config.put("apiVersion", "admissionregistration.k8s.io/v1");
    config.put("kind", "MutatingWebhookConfiguration");
    String name = "outrigger-sidecar-injector" + ("default".equals(s.revision()) ? "" : "-" + s.revision());
    ObjectNode metadata = config.putObject("metadata");
    metadata.put("name", name);
    metadata.putObject("labels").put("app", "outrigger-sidecar-injector").put(MeshKeys.REVISION, s.revision());
    ArrayNode webhooks = config.putArray("webhooks");
    // Each opt-in label gets a webhook that also requires the labels before it to be absent, so a
    // namespace carrying two of them is still sent once.
    for (int i = 0; i < OPT_IN_LABELS.size(); i++) {
      String label = OPT_IN_LABELS.get(i);
      String value = label.endsWith("rev") ? s.revision() : "enabled";
      ObjectNode namespaces = selector(s);
      expression(namespaces, label, "In", value);
      OPT_IN_LABELS.subList(0, i).forEach(before -> expression(namespaces, before, "DoesNotExist", null));
      ObjectNode pods = JSON.objectNode();
      expression(pods, MeshKeys.INJECT, "NotIn", "false");
      webhooks.add(webhook(webhookName(label), s, namespaces, pods));
    }
    // Namespaces without any opt-in label: a pod opts in by its own label, inject=true or a
    // revision label, again one webhook per label with the earlier ones required absent.
    for (int i = 0; i < POD_OPT_IN_LABELS.size(); i++) {
      String label = POD_OPT_IN_LABELS.get(i);
      ObjectNode namespaces = selector(s);
      OPT_IN_LABELS.forEach(l -> expression(namespaces, l, "DoesNotExist", null));
      ObjectNode pods = JSON.objectNode();
      expression(pods, label, "In", label.equals(MeshKeys.INJECT) ? "true" : s.revision());
      POD_OPT_IN_LABELS.subList(0, i).forEach(before -> expression(pods, before, "DoesNotExist", null));
      webhooks.add(webhook(objectWebhookName(label), s, namespaces, pods));
    }
    try {
      return yaml.writeValueAsString(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String objectWebhookName(String label) {
    return switch (label) {
      case MeshKeys.INJECT -> "object.sidecar-injector.outrigger.io";
      case MeshKeys.REVISION -> "rev.object.sidecar-injector.outrigger.io";
      default -> "istio-rev.object.sidecar-injector.outrigger.io";
    };
  }

  private static String webhookName(String label) {
    return switch (label) {
      case MeshKeys.NAMESPACE_INJECTION -> "namespace.sidecar-injector.outrigger.io";
      case MeshKeys.ISTIO_NAMESPACE_INJECTION -> "istio-namespace.sidecar-injector.outrigger.io";
      case MeshKeys.REVISION -> "rev.namespace.sidecar-injector.outrigger.io";
      default -> "istio-rev.namespace.sidecar-injector.outrigger.io";
    };
  }

  private static ObjectNode selector(Settings s) {
    ObjectNode selector = JSON.objectNode();
    ObjectNode never = selector.putArray("matchExpressions").addObject();
    never.put("key", "kubernetes.io/metadata.name");
    never.put("operator", "NotIn");
    ArrayNode values = never.putArray("values");
    new TreeSet<>(List.of("kube-system", s.serviceNamespace())).forEach(values::add);
    return selector;
  }

  private static void expression(ObjectNode selector, String key, String operator, String value) {
    ObjectNode e = (selector.has("matchExpressions")
        ? (ArrayNode) selector.get("matchExpressions") : selector.putArray("matchExpressions")).addObject();
    e.put("key", key);
    e.put("operator", operator);
    if (value != null) {
      e.putArray("values").add(value);
    }
  }

  private static ObjectNode webhook(String name, Settings s, ObjectNode namespaces, ObjectNode pods) {
    ObjectNode hook = JSON.objectNode();
    hook.put("name", name);
    ObjectNode client = hook.putObject("clientConfig");
    ObjectNode service = client.putObject("service");
    service.put("name", s.serviceName());
    service.put("namespace", s.serviceNamespace());
    service.put("path", "/inject");
    service.put("port", s.port());
    client.put("caBundle",
        Base64.getEncoder().encodeToString(s.caBundlePem().getBytes(StandardCharsets.US_ASCII)));
    ObjectNode rule = hook.putArray("rules").addObject();
    rule.putArray("operations").add("CREATE");
    rule.putArray("apiGroups").add("");
    rule.putArray("apiVersions").add("v1");
    rule.putArray("resources").add("pods");
    hook.set("namespaceSelector", namespaces);
    hook.set("objectSelector", pods);
    hook.put("failurePolicy", "Fail");
    hook.put("sideEffects", "None");
    hook.put("reinvocationPolicy", "Never");
    hook.put("timeoutSeconds", 10);
    hook.putArray("admissionReviewVersions").add("v1").add("v1beta1");
    return hook;
  }
}
