package io.outrigger.controlplane.generate.listener;

import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import io.outrigger.controlplane.model.Workload;
import java.util.Optional;

/**
 * The mTLS mode in force for a workload's port, with Istio's precedence: the workload-selector
 * policy's port-level mode, then its own mode, then the namespace policy, then the mesh policy
 * (root namespace), then PERMISSIVE. UNSET at any level defers to the next one. With several
 * candidates at one level, the first by name wins (Istio takes the oldest; files have no age).
 */
public final class PeerAuthenticationPolicy {
  private final MtlsMode workloadMode;
  private final Optional<PeerAuthenticationConfig> workloadPolicy;

  private PeerAuthenticationPolicy(
      MtlsMode workloadMode, Optional<PeerAuthenticationConfig> workloadPolicy) {
    this.workloadMode = workloadMode;
    this.workloadPolicy = workloadPolicy;
  }

  public static PeerAuthenticationPolicy of(
      MeshConfig mesh, Workload workload, String rootNamespace) {
    Optional<PeerAuthenticationConfig> selected =
        mesh.peerAuthentications().stream()
            .filter(
                p ->
                    p.namespace().equals(workload.namespace())
                        && !p.selector().isEmpty()
                        && Labels.matches(p.selector(), workload.labels()))
            .findFirst();
    MtlsMode namespaceMode = selectorless(mesh, workload.namespace());
    MtlsMode meshMode = selectorless(mesh, rootNamespace);
    MtlsMode mode =
        firstSet(
            selected.map(PeerAuthenticationConfig::mode).orElse(MtlsMode.UNSET),
            firstSet(namespaceMode, firstSet(meshMode, MtlsMode.PERMISSIVE)));
    return new PeerAuthenticationPolicy(mode, selected);
  }

  /** The mode for connections to ports no service names (the passthrough chains). */
  public MtlsMode workloadMode() {
    return workloadMode;
  }

  public MtlsMode forPort(int workloadPort) {
    MtlsMode portMode =
        workloadPolicy
            .map(p -> p.portLevel().getOrDefault(workloadPort, MtlsMode.UNSET))
            .orElse(MtlsMode.UNSET);
    return firstSet(portMode, workloadMode);
  }

  private static MtlsMode selectorless(MeshConfig mesh, String namespace) {
    return mesh.peerAuthentications().stream()
        .filter(p -> p.namespace().equals(namespace) && p.selector().isEmpty())
        .map(PeerAuthenticationConfig::mode)
        .findFirst()
        .orElse(MtlsMode.UNSET);
  }

  private static MtlsMode firstSet(MtlsMode mode, MtlsMode fallback) {
    return mode == MtlsMode.UNSET ? fallback : mode;
  }
}
