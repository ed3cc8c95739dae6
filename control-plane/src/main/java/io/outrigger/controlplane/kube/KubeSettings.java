package io.outrigger.controlplane.kube;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the control plane works with a Kubernetes API server.
 *
 * @param connection how to reach the API server
 * @param revision the control plane's revision; its replicas share the leader Lease {@link #leaseName()}
 * @param leaseNamespace where the Lease lives (the control plane's own namespace)
 * @param leader the Lease timings
 * @param checkPodSourceAddress a stream with a pod-bound token must come from that pod's IP: true when the
 *     control plane and the pods share a network (a cluster without NAT between them)
 */
public record KubeSettings(
    KubeConnection connection, String revision, String leaseNamespace, LeaderTimings leader,
    boolean checkPodSourceAddress) {

  public static final String DEFAULT_REVISION = "default";
  public static final String DEFAULT_NAMESPACE = "outrigger-system";
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public KubeSettings {
    Objects.requireNonNull(connection, "kube settings: connection");
    Objects.requireNonNull(leader, "kube settings: leader timings");
    if (!DNS_LABEL.matcher(revision).matches()) {
      throw new IllegalArgumentException("revision '" + revision + "': must be a DNS label (a-z, 0-9, '-')");
    }
    if (!DNS_LABEL.matcher(leaseNamespace).matches()) {
      throw new IllegalArgumentException("namespace '" + leaseNamespace + "': not a Kubernetes namespace name");
    }
  }

  /** Revision {@code default}, Lease in {@code outrigger-system}, default timings, source address checked. */
  public static KubeSettings of(KubeConnection connection) {
    return new KubeSettings(connection, DEFAULT_REVISION, DEFAULT_NAMESPACE, LeaderTimings.DEFAULT, true);
  }

  public KubeSettings withRevision(String name) {
    return new KubeSettings(connection, name, leaseNamespace, leader, checkPodSourceAddress);
  }

  public KubeSettings withLeaseNamespace(String namespace) {
    return new KubeSettings(connection, revision, namespace, leader, checkPodSourceAddress);
  }

  public KubeSettings withPodSourceAddressCheck(boolean check) {
    return new KubeSettings(connection, revision, leaseNamespace, leader, check);
  }

  /** {@code outrigger-<revision>-leader}: one Lease per revision, so revisions elect separately. */
  public String leaseName() {
    return "outrigger-" + revision + "-leader";
  }
}
