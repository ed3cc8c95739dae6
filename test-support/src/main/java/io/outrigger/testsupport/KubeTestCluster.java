package io.outrigger.testsupport;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real API server of test tier 4 ({@link KubeApiServerExtension}) as the control plane meets
 * it: a kubeconfig for the control plane's own service account with exactly the RBAC
 * docs/kubernetes.md lists (so a missing permission fails a test), and the namespaces, service
 * accounts, pods and TokenRequest tokens a cluster would have.
 */
public final class KubeTestCluster implements AutoCloseable {
  public static final String CONTROL_PLANE_NAMESPACE = "outrigger-system";
  public static final String CONTROL_PLANE_SA = "outrigger-control-plane";

  /** The control plane's RBAC, as docs/kubernetes.md documents it. */
  public static final List<PolicyRule> CONTROL_PLANE_RULES =
      List.of(
          rule("authentication.k8s.io", List.of("tokenreviews"), "create"),
          rule("", List.of("pods", "namespaces"), "get", "list", "watch"),
          rule("", List.of("configmaps"), "get", "list", "watch", "create", "update"),
          rule("", List.of("events"), "get", "create", "update", "patch"),
          rule("coordination.k8s.io", List.of("leases"), "get", "create", "update", "patch"),
          rule("networking.istio.io", List.of("*"), "get", "list", "watch"),
          rule("security.istio.io", List.of("*"), "get", "list", "watch"),
          rule("gateway.networking.k8s.io", List.of("httproutes"), "get", "list", "watch"),
          rule(
              "gateway.networking.k8s.io", List.of("httproutes/status"), "get", "update", "patch"));

  private final KubeApiServer server;
  private final Path dir;
  private final KubernetesClient admin;

  public KubeTestCluster(KubeApiServer server, Path dir) {
    this.server = server;
    this.dir = dir;
    this.admin = client(writeKubeconfig("admin", server.adminToken()));
  }

  /**
   * A client of that kubeconfig only (never ~/.kube/config or the environment); the caller closes
   * it.
   */
  public static KubernetesClient client(Path kubeconfig) {
    try {
      return new KubernetesClientBuilder()
          .withConfig(
              Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString()))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kubeconfig, e);
    }
  }

  public KubernetesClient admin() {
    return admin;
  }

  /**
   * The control plane's service account, its RBAC and a kubeconfig holding a token for it: what
   * {@code --kubeconfig} is given.
   */
  public Path controlPlaneKubeconfig() {
    namespace(CONTROL_PLANE_NAMESPACE);
    serviceAccount(CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SA);
    String role = "outrigger-control-plane";
    if (admin.rbac().clusterRoles().withName(role).get() == null) {
      admin
          .rbac()
          .clusterRoles()
          .resource(
              new ClusterRoleBuilder()
                  .withNewMetadata()
                  .withName(role)
                  .endMetadata()
                  .withRules(CONTROL_PLANE_RULES)
                  .build())
          .create();
      admin
          .rbac()
          .clusterRoleBindings()
          .resource(
              new ClusterRoleBindingBuilder()
                  .withNewMetadata()
                  .withName(role)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withNamespace(CONTROL_PLANE_NAMESPACE)
                  .withName(CONTROL_PLANE_SA)
                  .endSubject()
                  .build())
          .create();
    }
    return writeKubeconfig(
        CONTROL_PLANE_SA,
        token(CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_SA, List.of(server.issuer()), null));
  }

  public void namespace(String name) {
    if (admin.namespaces().withName(name).get() == null) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }

  public void serviceAccount(String namespace, String name) {
    namespace(namespace);
    if (admin.serviceAccounts().inNamespace(namespace).withName(name).get() == null) {
      admin
          .serviceAccounts()
          .inNamespace(namespace)
          .resource(
              new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }

  /**
   * A pod of that service account with {@code ip} as its status IP, as the kubelet would report it
   * (no kubelet runs here: nothing schedules or starts it).
   */
  public Pod pod(String namespace, String name, String serviceAccount, String ip) {
    serviceAccount(namespace, serviceAccount);
    Pod pod =
        admin
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .withServiceAccountName(serviceAccount)
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                    .withName("app")
                    .withImage("registry.invalid/never-pulled:1")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .withPodIPs(new PodIPBuilder().withIp(ip).build())
            .build());
    return admin.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  public void deletePod(Pod pod) {
    admin
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .withGracePeriod(0)
        .delete();
  }

  /**
   * A TokenRequest token; bound to {@code pod} when it is not null, as the kubelet's projected
   * tokens are.
   */
  public String token(String namespace, String serviceAccount, List<String> audiences, Pod pod) {
    var spec =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(audiences)
            .withExpirationSeconds(600L);
    if (pod != null) {
      spec =
          spec.withNewBoundObjectRef(
              "v1", "Pod", pod.getMetadata().getName(), pod.getMetadata().getUid());
    }
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(spec.endSpec().build())
        .getStatus()
        .getToken();
  }

  public KubeApiServer server() {
    return server;
  }

  private Path writeKubeconfig(String user, String token) {
    return server.writeKubeconfig(dir.resolve(user + ".kubeconfig"), token);
  }

  /**
   * Creates these CustomResourceDefinitions and waits until the API server serves each one (its
   * {@code Established} condition; a status without conditions yet is "not yet").
   */
  public static void installCrds(
      KubernetesClient admin, List<? extends HasMetadata> crds, Duration timeout) {
    for (HasMetadata crd : crds) {
      admin.resource(crd).create();
    }
    for (HasMetadata crd : crds) {
      admin
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              KubeTestCluster::established, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Installs the Istio CRDs the control plane reads, from their one source: the chart's
   * manifests/charts/outrigger/crds/*.istio.io.yaml, and of the Gateway API ones those the control
   * plane reads (HTTPRoute; the others are left out: nothing in tier 4 reads them).
   */
  private static final java.util.Set<String> GATEWAY_API_CRDS_READ =
      java.util.Set.of("gateway.networking.k8s.io_httproutes.yaml");

  public static void installIstioCrds(KubernetesClient admin, Duration timeout) {
    Path dir = Helm.chart().resolve("crds");
    List<HasMetadata> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file :
          files
              .filter(
                  f ->
                      f.getFileName().toString().endsWith(".istio.io.yaml")
                          || GATEWAY_API_CRDS_READ.contains(f.getFileName().toString()))
              .sorted()
              .toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          crds.addAll(admin.load(in).items());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Istio CRDs in " + dir + ": " + e.getMessage(), e);
    }
    if (crds.isEmpty()) {
      throw new IllegalStateException("no *.istio.io.yaml CRD in " + dir);
    }
    installCrds(admin, crds, timeout);
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static PolicyRule rule(String group, List<String> resources, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resources)
        .withVerbs(verbs)
        .build();
  }

  @Override
  public void close() {
    admin.close();
  }
}
