package io.outrigger.controlplane.server;

import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.injector.inject.InjectorConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a control plane is in a cluster: its revision, its namespace, the webhook port, how it reaches
 * the API server, and its own serving certificate.
 *
 * @param revision the revision this control plane is ({@code --revision}); its sidecars dial only it
 * @param namespace the control plane's namespace (never injected; its Service lives there)
 * @param webhookPort HTTPS admission webhooks ({@code /inject}, {@code /validate}; 15017); -1: none
 * @param kube the Kubernetes API, for namespace labels, tags and the webhook CA bundles; empty in host mode
 * @param servingCertTtl lifetime of the control plane's own serving certificate (TLS xDS and webhook),
 *     renewed at about half of it
 * @param extraServingNames more names in that certificate (an IP literal becomes an IP SAN: a webhook
 *     the API server calls by address)
 */
public record ClusterSettings(
    String revision,
    String namespace,
    int webhookPort,
    Optional<KubeConnection> kube,
    Duration servingCertTtl,
    List<String> extraServingNames) {

  public static final String DEFAULT_REVISION = "default";
  public static final String DEFAULT_NAMESPACE = "outrigger-system";
  public static final Duration DEFAULT_SERVING_CERT_TTL = Duration.ofHours(24);
  /** Below this a renewal (at half-life, retried every 5 s on failure) could not land before expiry. */
  public static final Duration MIN_SERVING_CERT_TTL = Duration.ofSeconds(2);

  public ClusterSettings {
    Objects.requireNonNull(revision, "cluster settings: revision");
    Objects.requireNonNull(kube, "cluster settings: kube");
    if (!revision.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new IllegalArgumentException("revision '" + revision
          + "': must be a DNS label (lower case letters, digits and '-', at most 63 characters)");
    }
    if (servingCertTtl.compareTo(MIN_SERVING_CERT_TTL) < 0) {
      throw new IllegalArgumentException("serving certificate TTL " + servingCertTtl + " is shorter than "
          + MIN_SERVING_CERT_TTL);
    }
    extraServingNames = List.copyOf(extraServingNames);
  }

  /** Host mode: revision default, no webhook, no Kubernetes. */
  public static ClusterSettings none() {
    return new ClusterSettings(DEFAULT_REVISION, DEFAULT_NAMESPACE, -1, Optional.empty(), DEFAULT_SERVING_CERT_TTL,
        List.of());
  }

  public ClusterSettings withServingCertTtl(Duration ttl) {
    return new ClusterSettings(revision, namespace, webhookPort, kube, ttl, extraServingNames);
  }

  /** {@code outrigger[-REVISION].NAMESPACE.svc}: the revision's Service, which its sidecars dial. */
  public String serviceHost() {
    return InjectorConfig.serviceHost(revision, namespace);
  }
}
