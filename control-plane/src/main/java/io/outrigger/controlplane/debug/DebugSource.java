package io.outrigger.controlplane.debug;

import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import java.util.List;
import java.util.Optional;

/** What the debug endpoints show; the server assembly provides it. */
public interface DebugSource {
  List<ProxySyncStatus> syncStatus();

  /** Config objects the registry rejected (their last good version stays in force). */
  List<ConfigError> configErrors();

  long meshVersion();

  /** The resources the connected proxy {@code proxyId} should have now. */
  Optional<ProxySnapshot> snapshot(String proxyId);
}
