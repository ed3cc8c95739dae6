package io.outrigger.injector.webhook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.inject.InjectionPolicy;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.sidecar.MeshKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Renders a revision's webhook configurations. The MutatingWebhookConfiguration has one webhook per
 * way a pod can opt in, because a label selector cannot say "A or B": the namespace labels, and, in
 * a namespace with none of them, the pod's own revision label or {@code
 * sidecar.istio.io/inject=true}. Only the revision {@code default} (or a tag named {@code default})
 * answers the "injection enabled" labels and {@code inject=true}; any other revision answers its
 * own name in the revision labels. A tag's configuration is the same with the tag's name in the
 * selectors and the revision's client config. Only pod CREATE is sent; kube-system and the control
 * plane's namespace never are.
 *
 * <p>The ValidatingWebhookConfiguration sends CREATE and UPDATE of the config kinds the control
 * plane reads to {@code /validate}.
 */
public final class WebhookManifest {

  /** Label on every configuration of a revision; the control plane finds its own by it. */
  public static final String REVISION_LABEL = MeshKeys.REVISION;

  /** Label on a tag's MutatingWebhookConfiguration: the tag's name. */
  public static final String TAG_LABEL = "outrigger.io/tag";

  /** Where the API server sends reviews. */
  public sealed interface Target {}

  /** A Service in the cluster (production). */
  public record ServiceTarget(String name, String namespace, int port) implements Target {}

  /** A URL, e.g. {@code https://127.0.0.1:15017} (a control plane outside the cluster, tests). */
  public record UrlTarget(String baseUrl) implements Target {}

  /**
   * @param caBundlePem the CA that signed the webhook's serving certificate (PEM); empty to leave
   *     it out (the control plane writes it into its own revision's configurations)
   * @param target where the webhook is reached
   * @param controlPlaneNamespace never injected
   * @param revision the revision this webhook serves
   * @param tag the tag this configuration is for, empty for the revision's own
   */
  public record Settings(
      String caBundlePem,
      Target target,
      String controlPlaneNamespace,
      String revision,
      Optional<String> tag) {

    /** The revision's own configuration behind a Service. */
    public Settings(
        String caBundlePem,
        String serviceName,
        String serviceNamespace,
        String revision,
        int port) {
      this(
          caBundlePem,
          new ServiceTarget(serviceName, serviceNamespace, port),
          serviceNamespace,
          revision,
          Optional.empty());
    }

    public Settings forTag(String tagName) {
      return new Settings(
          caBundlePem, target, controlPlaneNamespace, revision, Optional.of(tagName));
    }

    /** The name namespaces and pods write in their revision label to get this configuration. */
    String selects() {
      return tag.orElse(revision);
    }
  }

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final List<String> NAMESPACE_LABELS =
      List.of(
          MeshKeys.NAMESPACE_INJECTION,
          MeshKeys.SHORT_NAMESPACE_INJECTION,
          MeshKeys.ISTIO_NAMESPACE_INJECTION,
          MeshKeys.REVISION,
          MeshKeys.ISTIO_REVISION);
  private static final List<String> POD_LABELS =
      List.of(MeshKeys.REVISION, MeshKeys.ISTIO_REVISION, MeshKeys.INJECT);

  private final YAMLMapper yaml = KubeYaml.documents();

  /** The revision's (or tag's) MutatingWebhookConfiguration as YAML. */
  public String render(Settings s) {
    return yaml(mutating(s));
  }

  /**
   * The revision's MutatingWebhookConfiguration, then its ValidatingWebhookConfiguration, as YAML
   * documents.
   */
  public String renderAll(Settings s) {
    return yaml(mutating(s)) + yaml(validating(s));
  }

  public static String mutatingName(String revision) {
    return "outrigger-sidecar-injector" + suffix(revision);
  }

  public static String tagName(String tag) {
    return "outrigger-revision-tag-" + tag;
  }

  public static String validatingName(String revision) {
    return "outrigger-validator" + suffix(revision);
  }

  private static String suffix(String revision) {
    return InjectionPolicy.DEFAULT_REVISION.equals(revision) ? "" : "-" + revision;
  }

  public ObjectNode mutating(Settings s) {
    ObjectNode config =
        configuration(
            s,
            "MutatingWebhookConfiguration",
            s.tag().map(WebhookManifest::tagName).orElse(mutatingName(s.revision())),
            "outrigger-sidecar-injector");
    s.tag().ifPresent(t -> ((ObjectNode) config.path("metadata").path("labels")).put(TAG_LABEL, t));
    ArrayNode webhooks = config.putArray("webhooks");
    boolean isDefault = InjectionPolicy.DEFAULT_REVISION.equals(s.selects());
    // Each opt-in label gets a webhook that also requires the labels before it to be absent, so a
    // namespace carrying two of them is sent once, to the revision the first one selects.
    for (int i = 0; i < NAMESPACE_LABELS.size(); i++) {
      String label = NAMESPACE_LABELS.get(i);
      boolean revisionLabel = label.endsWith("rev");
      if (!revisionLabel && !isDefault) {
        continue;
      }
      ObjectNode namespaces = selector(s);
      expression(namespaces, label, "In", revisionLabel ? s.selects() : "enabled");
      NAMESPACE_LABELS
          .subList(0, i)
          .forEach(before -> expression(namespaces, before, "DoesNotExist", null));
      ObjectNode pods = JSON.objectNode();
      expression(pods, MeshKeys.INJECT, "NotIn", "false");
      webhooks.add(
          webhook(namespaceWebhookName(label), "/inject", s, namespaces, pods, podRules()));
    }
    // Namespaces without any opt-in label: a pod opts in by its own revision label, or (default
    // only) inject=true, again one webhook per label with the earlier ones required absent.
    for (int i = 0; i < POD_LABELS.size(); i++) {
      String label = POD_LABELS.get(i);
      boolean revisionLabel = !label.equals(MeshKeys.INJECT);
      if (!revisionLabel && !isDefault) {
        continue;
      }
      ObjectNode namespaces = selector(s);
      NAMESPACE_LABELS.forEach(l -> expression(namespaces, l, "DoesNotExist", null));
      ObjectNode pods = JSON.objectNode();
      expression(pods, label, "In", revisionLabel ? s.selects() : "true");
      POD_LABELS.subList(0, i).forEach(before -> expression(pods, before, "DoesNotExist", null));
      webhooks.add(webhook(objectWebhookName(label), "/inject", s, namespaces, pods, podRules()));
    }
    return config;
  }

  /** The ValidatingWebhookConfiguration of a revision: the config kinds go to {@code /validate}. */
  public ObjectNode validating(Settings s) {
    ObjectNode config =
        configuration(
            s,
            "ValidatingWebhookConfiguration",
            validatingName(s.revision()),
            "outrigger-validator");
    ArrayNode rules = JSON.arrayNode();
    rules.add(
        rule(
            List.of("CREATE", "UPDATE"),
            "networking.istio.io",
            List.of("v1", "v1beta1", "v1alpha3"),
            List.of("virtualservices", "destinationrules", "workloadentries")));
    rules.add(
        rule(
            List.of("CREATE", "UPDATE"),
            "security.istio.io",
            List.of("v1", "v1beta1"),
            List.of("peerauthentications", "authorizationpolicies", "requestauthentications")));
    rules.add(
        rule(
            List.of("CREATE", "UPDATE"),
            "gateway.networking.k8s.io",
            List.of("v1", "v1beta1"),
            List.of("httproutes")));
    ObjectNode namespaces = JSON.objectNode();
    ObjectNode objects = JSON.objectNode();
    config
        .putArray("webhooks")
        .add(webhook("validation.outrigger.io", "/validate", s, namespaces, objects, rules));
    return config;
  }

  private static ObjectNode configuration(Settings s, String kind, String name, String app) {
    if (!s.caBundlePem().isEmpty() && !s.caBundlePem().contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("webhook manifest: --ca-bundle holds no PEM certificate");
    }
    ObjectNode config = JSON.objectNode();
    config.put("apiVersion", "admissionregistration.k8s.io/v1");
    config.put("kind", kind);
    ObjectNode metadata = config.putObject("metadata");
    metadata.put("name", name);
    metadata.putObject("labels").put("app", app).put(REVISION_LABEL, s.revision());
    return config;
  }

  private String yaml(ObjectNode config) {
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

  private static String namespaceWebhookName(String label) {
    return switch (label) {
      case MeshKeys.NAMESPACE_INJECTION -> "namespace.sidecar-injector.outrigger.io";
      case MeshKeys.SHORT_NAMESPACE_INJECTION -> "short-namespace.sidecar-injector.outrigger.io";
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
    new TreeSet<>(List.of("kube-system", s.controlPlaneNamespace())).forEach(values::add);
    return selector;
  }

  private static void expression(ObjectNode selector, String key, String operator, String value) {
    ObjectNode e =
        (selector.has("matchExpressions")
                ? (ArrayNode) selector.get("matchExpressions")
                : selector.putArray("matchExpressions"))
            .addObject();
    e.put("key", key);
    e.put("operator", operator);
    if (value != null) {
      e.putArray("values").add(value);
    }
  }

  private static ArrayNode podRules() {
    return JSON.arrayNode().add(rule(List.of("CREATE"), "", List.of("v1"), List.of("pods")));
  }

  private static ObjectNode rule(
      List<String> operations, String group, List<String> versions, List<String> resources) {
    ObjectNode rule = JSON.objectNode();
    operations.forEach(rule.putArray("operations")::add);
    rule.putArray("apiGroups").add(group);
    versions.forEach(rule.putArray("apiVersions")::add);
    resources.forEach(rule.putArray("resources")::add);
    return rule;
  }

  /**
   * The client config every webhook of a configuration shares (the bundle writer rewrites its
   * caBundle).
   */
  public static ObjectNode clientConfig(Target target, String path, String caBundlePem) {
    ObjectNode client = JSON.objectNode();
    switch (target) {
      case ServiceTarget t -> {
        ObjectNode service = client.putObject("service");
        service.put("name", t.name());
        service.put("namespace", t.namespace());
        service.put("path", path);
        service.put("port", t.port());
      }
      case UrlTarget t -> client.put("url", t.baseUrl().replaceAll("/+$", "") + path);
    }
    if (!caBundlePem.isEmpty()) {
      client.put(
          "caBundle",
          Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.US_ASCII)));
    }
    return client;
  }

  private static ObjectNode webhook(
      String name,
      String path,
      Settings s,
      ObjectNode namespaces,
      ObjectNode objects,
      ArrayNode rules) {
    ObjectNode hook = JSON.objectNode();
    hook.put("name", name);
    hook.set("clientConfig", clientConfig(s.target(), path, s.caBundlePem()));
    hook.set("rules", rules);
    hook.set("namespaceSelector", namespaces);
    hook.set("objectSelector", objects);
    // Fail closed: with the control plane down a pod is refused, not started without its sidecar
    // (unmeshed, outside mTLS and policy), and invalid config is not let through unchecked.
    hook.put("failurePolicy", "Fail");
    hook.put("sideEffects", "None");
    if (path.equals("/inject")) {
      hook.put("reinvocationPolicy", "Never");
    }
    hook.put("timeoutSeconds", 10);
    hook.putArray("admissionReviewVersions").add("v1").add("v1beta1");
    return hook;
  }
}
