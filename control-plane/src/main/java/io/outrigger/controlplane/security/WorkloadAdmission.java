package io.outrigger.controlplane.security;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusException;
import io.outrigger.certs.BoundPod;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.CallerAuthInterceptor;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.outrigger.controlplane.xds.ProxyAdmission;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Binds an ADS stream to a registry workload. On the TLS port the caller's token identity must be
 * the workload's own ({@code ns/sa}); otherwise the stream is refused and gets nothing. On the
 * loopback plaintext port nothing is authenticated: the identity is the claimed workload's.
 */
public final class WorkloadAdmission implements ProxyAdmission {
  private final Supplier<MeshConfig> mesh;
  private final boolean requireCaller;
  private final Optional<BoundPodCheck> boundPods;

  private WorkloadAdmission(
      Supplier<MeshConfig> mesh, boolean requireCaller, Optional<BoundPodCheck> boundPods) {
    this.mesh = mesh;
    this.requireCaller = requireCaller;
    this.boundPods = boundPods;
  }

  /** For the TLS port: the token's identity decides. */
  public static WorkloadAdmission authenticated(Supplier<MeshConfig> mesh) {
    return new WorkloadAdmission(mesh, true, Optional.empty());
  }

  /**
   * For the TLS port in a cluster: the token's identity decides, and a pod-bound token must belong
   * to the pod the node claims ({@link BoundPodCheck}).
   */
  public static WorkloadAdmission authenticated(
      Supplier<MeshConfig> mesh, BoundPodCheck boundPods) {
    return new WorkloadAdmission(mesh, true, Optional.of(boundPods));
  }

  /** For the loopback plaintext port (host mode, tests): the node's claim decides. */
  public static WorkloadAdmission loopbackUnauthenticated(Supplier<MeshConfig> mesh) {
    return new WorkloadAdmission(mesh, false, Optional.empty());
  }

  @Override
  public ConnectedProxy admit(Node node) throws StatusException {
    NodeClaims claims = NodeClaims.of(node);
    if (!claims.complete()) {
      throw refuse(
          Status.INVALID_ARGUMENT,
          "node "
              + node.getId()
              + ": no NAMESPACE/NAME metadata and the node id is not sidecar~ip~pod.ns~...");
    }
    Workload workload =
        mesh.get()
            .workload(claims.namespace(), claims.name())
            .orElseThrow(
                () ->
                    refuse(
                        Status.PERMISSION_DENIED,
                        "node "
                            + claims.nodeId()
                            + ": no workload "
                            + claims.workloadKey()
                            + " in the registry"));
    if (requireCaller) {
      WorkloadIdentity caller =
          CallerAuthInterceptor.current()
              .orElseThrow(
                  () ->
                      refuse(
                          Status.UNAUTHENTICATED,
                          "node "
                              + claims.nodeId()
                              + ": the stream carries no authenticated token"));
      if (!caller.namespace().equals(workload.namespace())
          || !caller.serviceAccount().equals(workload.serviceAccount())) {
        throw refuse(
            Status.PERMISSION_DENIED,
            "node "
                + claims.nodeId()
                + ": token identity "
                + caller.namespace()
                + "/"
                + caller.serviceAccount()
                + " is not workload "
                + claims.workloadKey()
                + "'s identity "
                + workload.identity());
      }
      Optional<BoundPod> bound = CallerAuthInterceptor.currentPod();
      if (boundPods.isPresent() && bound.isPresent()) {
        boundPods.get().check(claims, caller, bound.get(), PeerAddress.current());
      }
    }
    return new ConnectedProxy(
        node.getId(),
        workload.namespace(),
        workload.name(),
        workload.serviceAccount(),
        requireCaller,
        node);
  }

  private static StatusException refuse(Status status, String reason) {
    return status.withDescription(reason).asException();
  }
}
