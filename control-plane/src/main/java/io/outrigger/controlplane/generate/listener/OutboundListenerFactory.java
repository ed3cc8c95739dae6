package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.scope.OutboundView;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.sidecar.SidecarPorts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code virtualOutbound} on 15001 hands each captured connection to the listener of its original
 * destination, {@code <VIP>_<port>} (not bound itself), or else to {@code 0.0.0.0_<port>} when a
 * ServiceEntry without addresses uses that port (HTTP ones are told apart by Host header, as in
 * Istio); connections to unknown destinations follow the outbound traffic policy. What a proxy gets
 * depends on its {@link OutboundView} only.
 */
public final class OutboundListenerFactory {
  private static final String ANY_ADDRESS = "0.0.0.0";

  private OutboundListenerFactory() {}

  /**
   * @param fallback the cluster of connections no listener takes ({@link
   *     io.outrigger.controlplane.generate.scope.OutboundScope#unknownDestinationCluster})
   */
  public static Listener virtualOutbound(String fallback) {
    return Listener.newBuilder()
        .setName(ResourceNames.VIRTUAL_OUTBOUND)
        .setAddress(address(ANY_ADDRESS, SidecarPorts.OUTBOUND_CAPTURE))
        .setUseOriginalDst(BoolValue.of(true))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .setDefaultFilterChain(
            FilterChain.newBuilder()
                .setName(fallback)
                .addFilters(NetworkFilters.tcpProxy(fallback, fallback)))
        .build();
  }

  /**
   * One listener per service VIP and port; Kubernetes services without a VIP cannot be matched by
   * address, ServiceEntries without addresses are matched by port.
   */
  public static List<Listener> serviceListeners(OutboundView view) {
    List<Listener> listeners = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Service service : view.listenerServices()) {
      List<String> vips = service.vips();
      if (vips.isEmpty() && service.entry() != null) {
        vips = List.of(ANY_ADDRESS);
      }
      for (String vip : vips) {
        for (ServicePort port : service.ports()) {
          String name = ResourceNames.outboundListener(vip, port.port());
          // Two services claiming one address and port: the first in namespace/name order wins.
          if (names.add(name)) {
            listeners.add(serviceListener(name, vip, service, port, view));
          }
        }
      }
    }
    return listeners;
  }

  private static Listener serviceListener(
      String name, String vip, Service service, ServicePort port, OutboundView view) {
    List<FilterChain> chains =
        port.protocol().isHttp()
            ? List.of(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilters.outboundHttp(
                            "outbound_" + name, ResourceNames.outboundRoute(port.port())))
                    .build())
            : OutboundL4Routes.filterChains(service, port, view);
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(address(vip, port.port()))
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
