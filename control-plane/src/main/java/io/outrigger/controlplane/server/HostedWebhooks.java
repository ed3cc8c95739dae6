package io.outrigger.controlplane.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.controlplane.kube.ClusterSettings;
import io.outrigger.controlplane.kube.InCluster;
import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigValidation;
import io.outrigger.controlplane.webhook.KubeAdmissionContext;
import io.outrigger.controlplane.webhook.WebhookCaBundles;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.webhook.AdmissionContext;
import io.outrigger.injector.webhook.WebhookServer;
import io.outrigger.sidecar.ControlPlanePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admission webhooks the control plane hosts on 15017: {@code /inject} (the injector, for this
 * revision, with sidecars pointed at this revision's Service) and {@code /validate} (the registry's
 * own converters against the mesh in force), on the control plane's rotating serving certificate.
 * With a Kubernetes connection the handler also reads namespace labels and tags, and the CA bundle
 * writer keeps this revision's webhook configurations trusting the mesh CA.
 */
final class HostedWebhooks implements AutoCloseable {
  /**
   * The TLS xDS port sidecars dial through the revision's Service (the container may listen
   * elsewhere).
   */
  private final WebhookServer server;

  private final Optional<KubernetesClient> client;
  private final Optional<WebhookCaBundles> caBundles;

  private HostedWebhooks(
      WebhookServer server, Optional<KubernetesClient> client, Optional<WebhookCaBundles> bundles) {
    this.server = server;
    this.client = client;
    this.caBundles = bundles;
  }

  /**
   * @param leader where leader-only writers go: with it, the CA bundle writer runs only while this
   *     replica holds the revision's Lease; without it (a single control plane given a kubeconfig)
   *     it runs at once
   */
  static HostedWebhooks start(
      ControlPlaneSettings settings,
      ServingCertificate serving,
      Supplier<String> caBundlePem,
      Supplier<MeshConfig> mesh,
      Optional<InCluster> leader)
      throws IOException {
    ClusterSettings cluster = settings.cluster();
    if (cluster.webhookPort() < 0) {
      return new HostedWebhooks(null, Optional.empty(), Optional.empty());
    }
    Optional<KubernetesClient> client = cluster.kube().map(KubeConnection::newClient);
    try {
      AdmissionContext context =
          client
              .<AdmissionContext>map(c -> new KubeAdmissionContext(c, cluster.revision()))
              .orElse(AdmissionContext.NONE);
      WebhookServer server =
          WebhookServer.start(
              new InetSocketAddress(settings.bindAddress(), cluster.webhookPort()),
              serving,
              injectorConfig(cluster),
              context,
              (object, namespace) -> ConfigValidation.refuse(object, namespace, mesh.get()));
      Optional<WebhookCaBundles> bundles =
          client.map(c -> new WebhookCaBundles(c, cluster.revision(), caBundlePem));
      bundles.ifPresent(b -> leader.ifPresentOrElse(l -> l.addLeaderTask(b), b::start));
      return new HostedWebhooks(server, client, bundles);
    } catch (IOException | RuntimeException e) {
      client.ifPresent(KubernetesClient::close);
      throw e;
    }
  }

  /**
   * The injector of this revision: its sidecars dial and verify this revision's Service unless
   * configured.
   */
  static InjectorConfig injectorConfig(ClusterSettings cluster) {
    return cluster.injectorConfig(ControlPlanePorts.XDS_TLS);
  }

  int port() {
    return server == null ? -1 : server.address().getPort();
  }

  Optional<WebhookCaBundles> caBundles() {
    return caBundles;
  }

  @Override
  public void close() {
    caBundles.ifPresent(WebhookCaBundles::stop);
    if (server != null) {
      server.close();
    }
    client.ifPresent(KubernetesClient::close);
  }
}
