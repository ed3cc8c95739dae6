package io.outrigger.controlplane.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a test of the Kubernetes registry does to a real API server (test tier 4) with no
 * controllers: it installs the Istio CRDs, gives the control plane a service account with the
 * registry's documented RBAC, and plays the kubelet and the EndpointSlice controller by writing pod
 * status and slices itself.
 */
public final class TestCluster implements AutoCloseable {
  public static final String CONTROL_PLANE_NAMESPACE = "outrigger-system";
  public static final String CONTROL_PLANE_ACCOUNT = "outrigger";
  private final KubeApiServer server;
  private final KubernetesClient admin;

  public TestCluster(KubeApiServer server) {
    this.server = server;
    this.admin = client(server.adminToken());
  }

  public KubernetesClient admin() {
    return admin;
  }

  private KubernetesClient client(String token) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(server.url())
            .withCaCertFile(server.servingCertificate().toString())
            .withOauthToken(token)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The Istio CRDs, established (served) when this returns. */
  public void installIstioCrds() {
    KubeTestCluster.installIstioCrds(admin, Duration.ofSeconds(30));
  }

  /**
   * A kubeconfig for the control plane's service account, bound to the registry's ClusterRole only
   * ({@code kube/registry-clusterrole.yaml}, the role the docs give), with a TokenRequest token.
   *
   * @param serverUrl where the control plane finds the API server (the server's own URL, or a
   *     forwarder's)
   */
  public Path controlPlaneKubeconfig(Path dir, String serverUrl) {
    namespace(CONTROL_PLANE_NAMESPACE, Map.of());
    serviceAccount(CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_ACCOUNT);
    ClusterRole role =
        admin
            .resource(
                (ClusterRole)
                    admin.load(resource("/kube/registry-clusterrole.yaml")).items().get(0))
            .create();
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role.getMetadata().getName())
                .endMetadata()
                .withNewRoleRef(
                    "rbac.authorization.k8s.io", "ClusterRole", role.getMetadata().getName())
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(CONTROL_PLANE_NAMESPACE)
                .withName(CONTROL_PLANE_ACCOUNT)
                .endSubject()
                .build())
        .create();
    return kubeconfig(dir, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_ACCOUNT, serverUrl);
  }

  /** A kubeconfig for an existing service account, with a TokenRequest token for the API server. */
  public Path kubeconfig(Path dir, String namespace, String serviceAccount, String serverUrl) {
    String token =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withAudiences(server.issuer())
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: control-plane
          user: {token: "%s"}
        contexts:
        - name: test
          context: {cluster: test, user: control-plane}
        current-context: test
        """
            .formatted(serverUrl, server.servingCertificate(), token);
    Path file = dir.resolve(namespace + "-" + serviceAccount + ".kubeconfig");
    try {
      Files.writeString(file, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public void namespace(String name, Map<String, String> labels) {
    admin
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /** Pods need their service account to exist: no controller creates {@code default} here. */
  public void serviceAccount(String namespace, String name) {
    admin
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .build())
        .create();
  }

  /** A pod as the kubelet would report it once running at {@code ip}: Running, Ready as given. */
  public Pod runningPod(
      String namespace,
      String name,
      String serviceAccount,
      Map<String, String> labels,
      String ip,
      boolean ready) {
    Pod created =
        admin
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace(namespace)
                    .withName(name)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withServiceAccountName(serviceAccount)
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                    .withName("app")
                    .withImage("app")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    return setPodStatus(created, ip, ready);
  }

  public Pod setPodReady(String namespace, String name, boolean ready) {
    Pod pod = admin.pods().inNamespace(namespace).withName(name).get();
    return setPodStatus(pod, pod.getStatus().getPodIP(), ready);
  }

  private Pod setPodStatus(Pod pod, String ip, boolean ready) {
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .addNewPodIP(ip)
            .addNewCondition()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .withLastTransitionTime(Instant.now().toString())
            .endCondition()
            .build());
    return admin.pods().inNamespace(namespace(pod)).resource(pod).updateStatus();
  }

  private static String namespace(HasMetadata object) {
    return object.getMetadata().getNamespace();
  }

  /** A Service with one HTTP port; the API server allocates its cluster IP. */
  public void service(String namespace, String name, int port, Map<String, String> selector) {
    admin
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withSelector(selector)
                .addNewPort()
                .withName("http")
                .withPort(port)
                .withTargetPort(new IntOrString(8080))
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  /**
   * An endpoint of a slice: the pod it points at (or null), its address and whether it is ready.
   */
  public record SliceEndpoint(String pod, String address, boolean ready, boolean terminating) {
    public static SliceEndpoint ready(String pod, String address) {
      return new SliceEndpoint(pod, address, true, false);
    }
  }

  /**
   * Creates or replaces a slice of {@code service}, as the EndpointSlice controller would write it.
   */
  public EndpointSlice slice(
      String namespace, String name, String service, int port, List<SliceEndpoint> endpoints) {
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(name)
            .addToLabels("kubernetes.io/service-name", service)
            .endMetadata()
            .withAddressType("IPv4")
            .addNewPort()
            .withName("http")
            .withPort(port)
            .withProtocol("TCP")
            .endPort();
    for (SliceEndpoint e : endpoints) {
      EndpointBuilder endpoint =
          new EndpointBuilder()
              .withAddresses(e.address())
              .withNewConditions()
              .withReady(e.ready())
              .withServing(e.ready())
              .withTerminating(e.terminating())
              .endConditions();
      if (e.pod() != null) {
        endpoint
            .withNewTargetRef()
            .withKind("Pod")
            .withNamespace(namespace)
            .withName(e.pod())
            .endTargetRef();
      }
      slice.addToEndpoints(endpoint.build());
    }
    return admin.resource(slice.build()).serverSideApply();
  }

  /**
   * Creates or replaces an object given as YAML (the Istio kinds), as {@code kubectl apply} would.
   */
  public void apply(String yaml) {
    admin
        .load(
            new java.io.ByteArrayInputStream(
                yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .items()
        .forEach(o -> admin.resource(o).forceConflicts().serverSideApply());
  }

  private static InputStream resource(String path) {
    InputStream in = TestCluster.class.getResourceAsStream(path);
    if (in == null) {
      throw new IllegalStateException("test resource " + path + " is missing");
    }
    return in;
  }

  @Override
  public void close() {
    admin.close();
  }
}
