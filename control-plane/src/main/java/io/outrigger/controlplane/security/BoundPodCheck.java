package io.outrigger.controlplane.security;

import io.grpc.Status;
import io.grpc.StatusException;
import io.outrigger.certs.BoundPod;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.security.PodDirectory.PodFacts;
import java.net.InetAddress;
import java.util.Optional;

/**
 * For a token bound to a pod (a kubelet-projected token, seen through TokenReview): the token's pod
 * must be the pod the node claims (name, and UID when the node reports its {@code POD_UID}), it
 * must still exist as that very pod (same UID), and when the control plane shares a network with
 * the pods the stream must come from the pod's own IP. A token copied out of one pod is then
 * useless in another pod of the same service account, and on another machine.
 *
 * @param checkSourceAddress false when sidecars reach the control plane through NAT (another
 *     network), where the source address says nothing about the pod
 */
public record BoundPodCheck(PodDirectory pods, boolean checkSourceAddress) {

  /**
   * @throws StatusException PERMISSION_DENIED with the reason, naming the node and the pods
   */
  public void check(
      NodeClaims claims, WorkloadIdentity caller, BoundPod bound, Optional<InetAddress> peer)
      throws StatusException {
    String node = "node " + claims.nodeId();
    if (!bound.name().equals(claims.name())) {
      throw denied(
          node
              + ": claims pod "
              + claims.workloadKey()
              + " but its token is bound to pod "
              + caller.namespace()
              + "/"
              + bound.name());
    }
    Optional<String> claimedUid = claims.podUid();
    if (claimedUid.isPresent()
        && bound.uid().isPresent()
        && !claimedUid.get().equals(bound.uid().get())) {
      throw denied(
          node
              + ": claims pod UID "
              + claimedUid.get()
              + " but its token is bound to pod "
              + caller.namespace()
              + "/"
              + bound.name()
              + " UID "
              + bound.uid().get());
    }
    Optional<PodFacts> found;
    try {
      found = pods.pod(caller.namespace(), bound.name());
    } catch (PodDirectory.PodLookupException e) {
      // Not a verdict on the proxy: it retries, and gets config once the pod can be looked up.
      throw Status.UNAVAILABLE.withDescription(node + ": " + e.getMessage()).asException();
    }
    PodFacts pod =
        found.orElseThrow(
            () ->
                denied(
                    node
                        + ": its token is bound to pod "
                        + caller.namespace()
                        + "/"
                        + bound.name()
                        + ", which no longer exists"));
    if (bound.uid().isPresent() && !bound.uid().get().equals(pod.uid())) {
      throw denied(
          node
              + ": its token is bound to pod "
              + caller.namespace()
              + "/"
              + bound.name()
              + " UID "
              + bound.uid().get()
              + ", which was deleted (the pod of that name now has UID "
              + pod.uid()
              + ")");
    }
    if (checkSourceAddress) {
      String source = peer.map(InetAddress::getHostAddress).orElse("unknown");
      boolean fromPod =
          peer.isPresent() && pod.ips().stream().anyMatch(ip -> sameAddress(ip, peer.get()));
      if (!fromPod) {
        throw denied(
            node
                + ": stream comes from "
                + source
                + ", not from pod "
                + caller.namespace()
                + "/"
                + bound.name()
                + "'s IP "
                + (pod.ips().isEmpty() ? "(none yet)" : String.join(",", pod.ips())));
      }
    }
  }

  private static boolean sameAddress(String podIp, InetAddress peer) {
    try {
      // Literal IPs only: getByName on a literal parses, never resolves.
      return InetAddress.getByName(podIp).equals(peer);
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static StatusException denied(String reason) {
    return Status.PERMISSION_DENIED.withDescription(reason).asException();
  }
}
