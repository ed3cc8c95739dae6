package io.outrigger.controlplane.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.outrigger.injector.inject.InjectionPolicy;
import io.outrigger.injector.webhook.WebhookManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Revisions and tags as the cluster has them. A revision is a MutatingWebhookConfiguration labeled
 * {@code outrigger.io/rev=REVISION} (and no tag label); a tag is one labeled {@code
 * outrigger.io/tag=TAG} and {@code outrigger.io/rev=REVISION}, whose selectors match the tag's name
 * and whose webhooks reach the revision. Moving a tag rewrites that one object, so every namespace
 * labeled with the tag moves at once.
 */
public final class RevisionTags {

  /**
   * A revision, the tags pointing at it, and the namespaces selecting it (directly or through a
   * tag).
   */
  public record Revision(String name, List<String> tags, List<String> namespaces) {}

  /** A tag whose revision has no webhook configuration: pods of its namespaces get no sidecar. */
  public record DanglingTag(String name, String revision, List<String> namespaces) {}

  public record Listing(List<Revision> revisions, List<DanglingTag> dangling) {}

  /** What {@link #set} did: the revision the tag pointed at before (empty if it is new). */
  public record Moved(String tag, Optional<String> from, String to, List<String> namespaces) {}

  private final KubernetesClient client;

  public RevisionTags(KubernetesClient client) {
    this.client = client;
  }

  public Listing list() {
    Map<String, MutatingWebhookConfiguration> revisions = revisions();
    Map<String, String> tags = tags();
    Map<String, List<String>> selecting = namespacesBySelection();
    List<Revision> rows = new ArrayList<>();
    revisions
        .keySet()
        .forEach(
            r -> {
              List<String> itsTags =
                  tags.entrySet().stream()
                      .filter(t -> t.getValue().equals(r))
                      .map(Map.Entry::getKey)
                      .toList();
              TreeSet<String> namespaces = new TreeSet<>(selecting.getOrDefault(r, List.of()));
              itsTags.forEach(t -> namespaces.addAll(selecting.getOrDefault(t, List.of())));
              rows.add(new Revision(r, itsTags, List.copyOf(namespaces)));
            });
    List<DanglingTag> dangling =
        tags.entrySet().stream()
            .filter(t -> !revisions.containsKey(t.getValue()))
            .map(
                t ->
                    new DanglingTag(
                        t.getKey(), t.getValue(), selecting.getOrDefault(t.getKey(), List.of())))
            .toList();
    return new Listing(rows, dangling);
  }

  /**
   * Points {@code tag} at {@code revision}, creating it or moving it.
   *
   * @throws IllegalArgumentException naming the tag or revision and why (unknown revision, a tag
   *     that would shadow a revision, a name that is not a DNS label)
   */
  public Moved set(String tag, String revision) {
    requireLabel("tag", tag);
    Map<String, MutatingWebhookConfiguration> revisions = revisions();
    if (revisions.containsKey(tag)) {
      throw new IllegalArgumentException(
          "tag " + tag + ": a revision of that name exists, and a tag cannot " + "shadow it");
    }
    MutatingWebhookConfiguration target = revisions.get(revision);
    if (target == null) {
      throw new IllegalArgumentException(
          "revision "
              + revision
              + ": unknown (no MutatingWebhookConfiguration "
              + "labeled "
              + WebhookManifest.REVISION_LABEL
              + "="
              + revision
              + "); known revisions: "
              + (revisions.isEmpty() ? "none" : String.join(", ", revisions.keySet())));
    }
    Optional<String> from = Optional.ofNullable(tags().get(tag));
    ObjectNode rendered = new WebhookManifest().mutating(settingsOf(target, revision).forTag(tag));
    MutatingWebhookConfiguration config =
        client
            .getKubernetesSerialization()
            .convertValue(rendered, MutatingWebhookConfiguration.class);
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .resource(config)
        .createOr(NonDeletingOperation::update);
    return new Moved(tag, from, revision, namespacesBySelection().getOrDefault(tag, List.of()));
  }

  /**
   * Deletes a tag.
   *
   * @param force also when namespaces still select it (their new pods then get no sidecar)
   * @throws IllegalArgumentException for an unknown tag, or one still in use without {@code force}
   */
  public void remove(String tag, boolean force) {
    Map<String, String> tags = tags();
    if (!tags.containsKey(tag)) {
      throw new IllegalArgumentException(
          "tag "
              + tag
              + ": no such tag (tags: "
              + (tags.isEmpty() ? "none" : String.join(", ", tags.keySet()))
              + ")");
    }
    List<String> using = namespacesBySelection().getOrDefault(tag, List.of());
    if (!using.isEmpty() && !force) {
      throw new IllegalArgumentException(
          "tag "
              + tag
              + ": still selected by namespace(s) "
              + String.join(", ", using)
              + "; relabel them first, or pass --force (their new pods would get no sidecar)");
    }
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName(WebhookManifest.tagName(tag))
        .delete();
  }

  private Map<String, MutatingWebhookConfiguration> revisions() {
    Map<String, MutatingWebhookConfiguration> revisions = new TreeMap<>();
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withLabel(WebhookManifest.REVISION_LABEL)
        .withoutLabel(WebhookManifest.TAG_LABEL)
        .list()
        .getItems()
        .forEach(
            c -> revisions.put(c.getMetadata().getLabels().get(WebhookManifest.REVISION_LABEL), c));
    return revisions;
  }

  /** Tag name to the revision it points at. */
  private Map<String, String> tags() {
    Map<String, String> tags = new TreeMap<>();
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withLabel(WebhookManifest.TAG_LABEL)
        .list()
        .getItems()
        .forEach(
            c ->
                tags.put(
                    c.getMetadata().getLabels().get(WebhookManifest.TAG_LABEL),
                    c.getMetadata().getLabels().getOrDefault(WebhookManifest.REVISION_LABEL, "")));
    return tags;
  }

  /** Revision or tag name to the namespaces that select it. */
  private Map<String, List<String>> namespacesBySelection() {
    Map<String, List<String>> selecting = new TreeMap<>();
    for (Namespace ns : client.namespaces().list().getItems()) {
      Map<String, String> labels =
          ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
      InjectionPolicy.selectedRevision(labels)
          .ifPresent(
              name ->
                  selecting
                      .computeIfAbsent(name, k -> new ArrayList<>())
                      .add(ns.getMetadata().getName()));
    }
    return selecting;
  }

  /** The revision's client config (Service or URL, CA bundle) and namespace, for a tag to reuse. */
  private static WebhookManifest.Settings settingsOf(
      MutatingWebhookConfiguration revision, String name) {
    if (revision.getWebhooks() == null
        || revision.getWebhooks().isEmpty()
        || revision.getWebhooks().getFirst().getClientConfig() == null) {
      throw new IllegalArgumentException(
          "revision "
              + name
              + ": MutatingWebhookConfiguration "
              + revision.getMetadata().getName()
              + " has no webhook to copy the client config of");
    }
    MutatingWebhook first = revision.getWebhooks().getFirst();
    WebhookClientConfig client = first.getClientConfig();
    String caBundle =
        client.getCaBundle() == null
            ? ""
            : new String(
                Base64.getDecoder().decode(client.getCaBundle()), StandardCharsets.US_ASCII);
    String namespace = controlPlaneNamespace(first);
    WebhookManifest.Target target =
        client.getService() != null
            ? new WebhookManifest.ServiceTarget(
                client.getService().getName(),
                client.getService().getNamespace(),
                client.getService().getPort() == null ? 443 : client.getService().getPort())
            : new WebhookManifest.UrlTarget(client.getUrl().replaceFirst("/inject$", ""));
    return new WebhookManifest.Settings(caBundle, target, namespace, name, Optional.empty());
  }

  /** The namespace besides kube-system that the revision never injects: its own. */
  private static String controlPlaneNamespace(MutatingWebhook hook) {
    if (hook.getNamespaceSelector() != null
        && hook.getNamespaceSelector().getMatchExpressions() != null) {
      for (LabelSelectorRequirement e : hook.getNamespaceSelector().getMatchExpressions()) {
        if (e.getKey().equals("kubernetes.io/metadata.name") && e.getOperator().equals("NotIn")) {
          Optional<String> own =
              e.getValues().stream().filter(v -> !v.equals("kube-system")).findFirst();
          if (own.isPresent()) {
            return own.get();
          }
        }
      }
    }
    return "outrigger-system";
  }

  private static void requireLabel(String what, String name) {
    if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new IllegalArgumentException(
          what
              + " '"
              + name
              + "': must be a DNS label (lower case letters, digits and '-', at most 63 characters)");
    }
  }
}
