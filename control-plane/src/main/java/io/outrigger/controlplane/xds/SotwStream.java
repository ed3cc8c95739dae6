package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;

/**
 * State-of-the-world ADS. Listeners and clusters go out whole whenever their set changes; the
 * per-name types (routes, endpoints, secrets) carry only the resources whose version moved, which
 * Envoy applies per resource: an endpoint change sends one ClusterLoadAssignment.
 */
final class SotwStream extends ProxyStream<DiscoveryRequest, DiscoveryResponse> {

  SotwStream(StreamObserver<DiscoveryResponse> out, StreamDependencies deps) {
    super(out, deps);
  }

  @Override
  String protocol() {
    return "sotw";
  }

  @Override
  Node nodeOf(DiscoveryRequest request) {
    return request.getNode();
  }

  @Override
  String typeUrlOf(DiscoveryRequest request) {
    return request.getTypeUrl();
  }

  @Override
  boolean handle(DiscoveryRequest request, TypeState state, boolean first) {
    String nonce = request.getResponseNonce();
    if (!nonce.isEmpty()) {
      if (!nonce.equals(state.lastNonce)) {
        // Answers a response already superseded; the proxy will answer the newer one.
        return false;
      }
      if (request.hasErrorDetail()) {
        nacked(state, request.getErrorDetail().getMessage());
      } else {
        acked(state, request.getVersionInfo());
      }
    }
    List<String> names = request.getResourceNamesList();
    boolean wildcard =
        XdsTypes.isWildcardType(state.typeUrl) && (names.isEmpty() || names.contains("*"));
    if (wildcard == state.wildcard && state.subscribedTo(names)) {
      return false;
    }
    state.subscribe(wildcard, names, withoutWildcard(names));
    return true;
  }

  @Override
  void respond(TypeState state, Map<String, XdsResource> current) {
    TypeState.Diff diff = state.diff(current);
    List<XdsResource> toSend;
    if (state.wildcard) {
      // Nothing changed or removed means the same set: every sent name is still there.
      boolean same = diff.changed().isEmpty() && diff.removed().isEmpty();
      if (state.everSent && same) {
        return;
      }
      toSend = List.copyOf(current.values());
      state.sent.sentExactly(current);
    } else {
      if (diff.changed().isEmpty()) {
        return;
      }
      toSend = diff.changed();
    }
    String version = state.versionOf(current);
    if (!state.wildcard) {
      toSend.forEach(r -> state.sent.put(r.name(), r.version()));
    }
    String nonce = nextNonce();
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setTypeUrl(state.typeUrl)
            .setVersionInfo(version)
            .setNonce(nonce);
    toSend.forEach(r -> response.addResources(r.body()));
    deliver(response.build(), state, version, nonce, toSend);
  }
}
