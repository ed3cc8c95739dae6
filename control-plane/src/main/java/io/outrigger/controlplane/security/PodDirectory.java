package io.outrigger.controlplane.security;

import java.util.List;
import java.util.Optional;

/** Where the pods a token may be bound to are looked up (the Kubernetes API in a cluster). */
public interface PodDirectory {

  /**
   * The pod as it is now; empty when it does not exist (deleted, or never created).
   *
   * @throws PodLookupException when the directory cannot tell (the API server unreachable, say)
   */
  Optional<PodFacts> pod(String namespace, String name);

  /** The lookup failed: nothing is known about the pod, so nothing may be concluded from it. */
  final class PodLookupException extends RuntimeException {
    public PodLookupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * What admission needs to know of a pod.
   *
   * @param uid the pod's UID, which changes when a pod of the same name is created again
   * @param ips the pod's IPs ({@code status.podIPs}); empty before the CNI gave it one
   */
  record PodFacts(String uid, List<String> ips) {
    public PodFacts {
      ips = List.copyOf(ips);
    }
  }
}
