package io.outrigger.controlplane.server;

import io.outrigger.controlplane.debug.DebugSource;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.Registry;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.ProxyStream;
import io.outrigger.controlplane.xds.ProxyStreams;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import java.util.List;
import java.util.Optional;

/** What the debug endpoints read: the registry's errors and the live streams. */
record ControlPlaneDebug(Registry registry, ProxyStreams streams) implements DebugSource {

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
