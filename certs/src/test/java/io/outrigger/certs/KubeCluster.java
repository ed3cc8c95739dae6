package io.outrigger.certs;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.testsupport.KubeApiServer;
import io.outrigger.testsupport.ServiceAccountTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a tier-4 certs test does to the real API server, through fabric8 as the control plane would:
 * clients that authenticate with a token, namespaces, service accounts, RBAC for TokenReview, and
 * tokens minted by the TokenRequest API ({@code serviceaccounts/<sa>/token}).
 */
final class KubeCluster implements AutoCloseable {

  private final KubeApiServer server;
  private final KubernetesClient admin;

  KubeCluster(KubeApiServer server) {
    this.server = server;
    this.admin = clientWithToken(server.adminToken());
  }

  KubernetesClient admin() {
    return admin;
  }

  @Override
  public void close() {
    admin.close();
  }

  /**
   * A client that trusts only this server's certificate and reads no kubeconfig from the machine.
   */
  KubernetesClient clientWithToken(String token) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                .withMasterUrl(server.url())
                .withCaCertFile(server.servingCertificate().toString())
                .withOauthToken(token)
                .withRequestTimeout(10_000)
                .withConnectionTimeout(5_000)
                .build())
        .build();
  }

  ServiceAccount createServiceAccount(WorkloadIdentity identity) {
    if (admin.namespaces().withName(identity.namespace()).get() == null) {
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(identity.namespace())
                  .endMetadata()
                  .build())
          .create();
    }
    return admin
        .serviceAccounts()
        .inNamespace(identity.namespace())
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(identity.serviceAccount())
                .endMetadata()
                .build())
        .create();
  }

  void deleteServiceAccount(WorkloadIdentity identity) {
    admin
        .serviceAccounts()
        .inNamespace(identity.namespace())
        .withName(identity.serviceAccount())
        .delete();
  }

  /** The one permission the TokenReview verifier needs: create tokenreviews, nothing else. */
  void allowTokenReviews(WorkloadIdentity identity) {
    String name = "outrigger-tokenreview-" + identity.namespace() + "-" + identity.serviceAccount();
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addNewRule()
                .withApiGroups("authentication.k8s.io")
                .withResources("tokenreviews")
                .withVerbs("create")
                .endRule()
                .build())
        .create();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(identity.namespace())
                .withName(identity.serviceAccount())
                .endSubject()
                .build())
        .create();
  }

  /** A token from the TokenRequest API, as the kubelet gets one for a projected volume. */
  String requestToken(WorkloadIdentity identity, List<String> audiences) {
    return admin
        .serviceAccounts()
        .inNamespace(identity.namespace())
        .withName(identity.serviceAccount())
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(audiences)
                .withExpirationSeconds(600L)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  /**
   * A pod of that service account. Nothing schedules or runs it (no scheduler, no kubelet): it
   * exists so a token can be bound to it, and deleting it is immediate.
   */
  Pod createPod(WorkloadIdentity identity, String name) {
    return admin
        .pods()
        .inNamespace(identity.namespace())
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(identity.serviceAccount())
                .withAutomountServiceAccountToken(false)
                .addNewContainer()
                .withName("app")
                .withImage("registry.invalid/never-pulled:1")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  void deletePod(Pod pod) {
    admin
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .delete();
  }

  /**
   * A token bound to a pod, as the kubelet requests for a projected volume: valid while the pod
   * exists.
   */
  String requestPodToken(WorkloadIdentity identity, Pod pod, List<String> audiences) {
    return admin
        .serviceAccounts()
        .inNamespace(identity.namespace())
        .withName(identity.serviceAccount())
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(audiences)
                .withExpirationSeconds(600L)
                .withNewBoundObjectRef(
                    "v1", "Pod", pod.getMetadata().getName(), pod.getMetadata().getUid())
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  /**
   * A token with the claims the TokenRequest API writes, signed with the server's own
   * service-account key, issued at {@code issuedAt} for {@code lifetime}: an old issue time makes
   * an expired token that differs from a valid one in nothing else.
   */
  String signToken(
      ServiceAccount account, List<String> audiences, Instant issuedAt, Duration lifetime) {
    return ServiceAccountTokens.sign(
        server,
        account.getMetadata().getNamespace(),
        account.getMetadata().getName(),
        account.getMetadata().getUid(),
        audiences,
        issuedAt,
        lifetime);
  }
}
