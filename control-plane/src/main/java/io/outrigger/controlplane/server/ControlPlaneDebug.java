package io.outrigger.controlplane.server;

import io.outrigger.controlplane.debug.DebugSource;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.Registry;
import io.outrigger.controlplane.telemetry.MeshTelemetry;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.ProxyStream;
import io.outrigger.controlplane.xds.ProxyStreams;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the debug endpoints read: the registry's model and errors, the live streams, the sidecars'
 * figures.
 */
record ControlPlaneDebug(Registry registry, ProxyStreams streams, MeshTelemetry telemetry)
    implements DebugSource {

  @Override
  public MeshConfig mesh() {
    return registry.current();
  }

  @Override
  public MeshTelemetry.Traffic traffic() {
    return telemetry.traffic();
  }

  @Override
  public Map<String, String> proxyWorkloads() {
    Map<String, String> out = new LinkedHashMap<>();
    for (ProxyStream<?, ?> s : streams.all()) {
      if (s.proxy() != null) {
        out.put(s.proxy().id(), s.proxy().namespace() + "/" + s.proxy().workload());
      }
    }
    return out;
  }

  @Override
  public List<ProxySyncStatus> syncStatus() {
    return streams.syncStatus();
  }

  @Override
  public List<ConfigError> configErrors() {
    return registry.current().errors();
  }

  @Override
  public long meshVersion() {
    return registry.current().version();
  }

  @Override
  public Optional<ProxySnapshot> snapshot(String proxyId) {
    return streams.all().stream()
        .filter(s -> s.proxy() != null && s.proxy().id().equals(proxyId))
        .map(ProxyStream::snapshot)
        .findFirst();
  }
}
