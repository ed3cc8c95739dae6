package io.outrigger.controlplane.cli;

import io.outrigger.controlplane.meshtarget.ControlPlaneUrl;
import io.outrigger.controlplane.meshtarget.HostMesh;
import io.outrigger.controlplane.meshtarget.HostModeTarget;
import io.outrigger.controlplane.meshtarget.MeshTarget;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --name NAME | --control-plane URL}: which mesh an inspection command looks at. {@code
 * --name} is the same option as {@code mesh up --name} and {@code demo --name} (what the demo tells
 * users to type); {@code --mesh} is kept as an alias.
 */
public final class MeshTargetOptions {
  @Option(
      names = {"--name", "--mesh"},
      paramLabel = "NAME",
      description =
          "Host-mode mesh, as `mesh up --name` named it (default: ${DEFAULT-VALUE}); found in $"
              + HostMesh.STATE_ROOT_ENV
              + " or /run/outrigger/mesh.",
      defaultValue = HostMesh.DEFAULT_NAME)
  String mesh;

  @Option(
      names = "--control-plane",
      paramLabel = "URL",
      description =
          "A control plane's monitoring URL (http://HOST:15014) instead of a host-mode mesh.")
  String controlPlane;

  /**
   * @param env the environment, for the state root of host-mode meshes
   */
  MeshTarget resolve(Map<String, String> env) {
    if (controlPlane != null) {
      return ControlPlaneUrl.parse(controlPlane);
    }
    return new HostModeTarget(HostMesh.read(HostMesh.stateRoot(env), mesh));
  }
}
