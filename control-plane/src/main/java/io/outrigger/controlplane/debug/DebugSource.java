package io.outrigger.controlplane.debug;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the debug endpoints show; the server assembly provides it. */
public interface DebugSource {
  List<ProxySyncStatus> syncStatus();

  /** Config objects the registry rejected (their last good version stays in force). */
  List<ConfigError> configErrors();

  long meshVersion();

  /** The mesh model in force: services, workloads, Istio config, errors. */
  MeshConfig mesh();

  /** What the sidecars reported over the telemetry window. */
  MeshTelemetry.Traffic traffic();

  /** Each connected proxy's workload, {@code ns/name}, by proxy id. */
  Map<String, String> proxyWorkloads();

  /** The resources the connected proxy {@code proxyId} should have now. */
  Optional<ProxySnapshot> snapshot(String proxyId);
}
