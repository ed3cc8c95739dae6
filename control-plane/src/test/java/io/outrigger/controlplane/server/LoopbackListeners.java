package io.outrigger.controlplane.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.xds.XdsResource;
import io.outrigger.controlplane.xds.XdsTypes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real generator's config with every listener moved to 127.0.0.1:0 and bound: the sidecar's own
 * addresses (15001, 15006, service VIPs) are not for a shared test host. Routes, clusters,
 * endpoints and secrets are exactly what a sidecar gets, so Envoy's /config_dump shows the mesh's
 * real shapes.
 */
final class LoopbackListeners {
  private LoopbackListeners() {}

  static ProxyConfigSource around(ProxyConfigSource generated) {
    return (mesh, proxy) -> {
      Map<String, Map<String, XdsResource>> resources =
          new HashMap<>(generated.resources(mesh, proxy));
      Map<String, XdsResource> listeners = new LinkedHashMap<>();
      resources
          .getOrDefault(XdsTypes.LISTENER, Map.of())
          .forEach(
              (name, resource) -> {
                try {
                  Listener listener =
                      resource.body().unpack(Listener.class).toBuilder()
                          .setAddress(
                              Address.newBuilder()
                                  .setSocketAddress(
                                      SocketAddress.newBuilder()
                                          .setAddress("127.0.0.1")
                                          .setPortValue(0)))
                          .clearBindToPort()
                          .clearUseOriginalDst()
                          .build();
                  listeners.put(name, XdsResource.of(name, listener));
                } catch (InvalidProtocolBufferException e) {
                  throw new IllegalStateException("listener " + name + ": not a Listener", e);
                }
              });
      resources.put(XdsTypes.LISTENER, listeners);
      return resources;
    };
  }
}
