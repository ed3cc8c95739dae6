package io.outrigger.hostmode.supervisor;

import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.sidecar.ControlPlanePorts;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;

/**
 * The injector as host mode configures it: the webhook's function, pointed at this mesh's control
 * plane.
 */
public final class Injection {
  private Injection() {}

  /**
   * @param controlPlaneAddress {@code host:port} of the TLS xDS port the sidecars dial
   */
  public static SidecarInjector injector(String controlPlaneAddress, String serverName) {
    return new SidecarInjector(
        new InjectorConfig(
            null,
            null,
            null,
            controlPlaneAddress,
            serverName,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null),
        new SidecarBootstrap());
  }

  /**
   * For checking manifests before a mesh (and so its address) exists: every decision is the same.
   */
  public static SidecarInjector forValidation() {
    return injector(
        "127.0.0.1:" + ControlPlanePorts.XDS_TLS, "outrigger-control-plane.outrigger-system.svc");
  }
}
