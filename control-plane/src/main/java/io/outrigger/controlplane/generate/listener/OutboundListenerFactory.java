package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.sidecar.SidecarPorts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code virtualOutbound} on 15001 hands each captured connection to the listener of its original
 * destination, {@code <VIP>_<port>} (not bound itself); connections to unknown destinations follow
 * the outbound traffic policy. None of this depends on the proxy.
 */
public final class OutboundListenerFactory {
  private final OutboundTrafficPolicy policy;

  public OutboundListenerFactory(OutboundTrafficPolicy policy) {
    this.policy = policy;
  }

  public Listener virtualOutbound() {
    String fallback =
        policy == OutboundTrafficPolicy.ALLOW_ANY
            ? ResourceNames.PASSTHROUGH_CLUSTER
            : ResourceNames.BLACKHOLE_CLUSTER;
    return Listener.newBuilder()
        .setName(ResourceNames.VIRTUAL_OUTBOUND)
        .setAddress(address("0.0.0.0", SidecarPorts.OUTBOUND_CAPTURE))
        .setUseOriginalDst(BoolValue.of(true))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .setDefaultFilterChain(
            FilterChain.newBuilder()
                .setName(fallback)
                .addFilters(NetworkFilters.tcpProxy(fallback, fallback)))
        .build();
  }

  /** One listener per service VIP and port; services without a VIP cannot be matched by address. */
  public List<Listener> serviceListeners(MeshConfig mesh) {
    List<Listener> listeners = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Service service : mesh.services()) {
      if (!service.hasVip()) {
        continue;
      }
      for (ServicePort port : service.ports()) {
        String name = ResourceNames.outboundListener(service.vip(), port.port());
        if (names.add(
            name)) { // two services claiming one VIP:port: the first in namespace/name order wins
          listeners.add(serviceListener(name, service, port, mesh));
        }
      }
    }
    return listeners;
  }

  private static Listener serviceListener(
      String name, Service service, ServicePort port, MeshConfig mesh) {
    List<FilterChain> chains =
        port.protocol().isHttp()
            ? List.of(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilters.outboundHttp(
                            "outbound_" + name, ResourceNames.outboundRoute(port.port())))
                    .build())
            : OutboundL4Routes.filterChains(service, port, mesh.virtualService(service.hostname()));
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(address(service.vip(), port.port()))
            .setBindToPort(BoolValue.of(false))
            .setTrafficDirection(TrafficDirection.OUTBOUND)
            .addAllFilterChains(chains);
    if (OutboundL4Routes.readsSni(chains)) {
      listener.addListenerFilters(OutboundL4Routes.TLS_INSPECTOR);
    }
    return listener.build();
  }

  static Address address(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }
}
