package io.outrigger.controlplane.kube;

/**
 * Work that only the replica holding the revision's leader Lease may do: writes to the API server
 * that two replicas would otherwise fight over (root-cert ConfigMaps, Events, webhook CA bundles).
 * Both calls come from the election's thread, in order; they must return quickly (start informers,
 * do not block on them) and tolerate a stop without a start.
 */
public interface LeaderGatedTask {

  /** For logs: what this task writes. */
  String name();

  /** This replica now holds the Lease: start writing (and catch up on what changed meanwhile). */
  void startLeading();

  /** The Lease is lost or the control plane stops: stop writing at once. */
  void stopLeading();
}
