package io.outrigger.controlplane.meshtarget;

import java.net.URI;
import java.util.List;

/**
 * Where the inspection commands find a mesh: its control plane's monitoring port and each sidecar's
 * admin API. Host mode ({@link HostModeTarget}) reads the supervisor's mesh.json and reaches the
 * admin inside the pod's network namespace; a Kubernetes target (port-forward to the control plane
 * and to the pod's 15000) comes with the Kubernetes registry.
 */
public interface MeshTarget {
  /** The control plane's monitoring base URL ({@code http://127.0.0.1:15014}). */
  URI monitoring();

  /**
   * The admin API of the sidecar of pod {@code namespace/pod}.
   *
   * @throws IllegalArgumentException naming the pod when it is unknown, has no sidecar or cannot be
   *     reached
   */
  ProxyAdmin admin(String namespace, String pod);

  /**
   * The xDS node ids of the sidecars that should be connected (empty when the target does not
   * know).
   */
  List<String> expectedProxies();

  /** How the target is named in messages: "mesh 'default'", "control plane http://...". */
  String describe();
}
