package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;

/**
 * Incremental (Delta) ADS: every type sends only added or changed resources and names the removed
 * ones. A reconnecting proxy's initial_resource_versions count as already sent, so a control plane
 * restart re-sends nothing the proxy already has.
 */
final class DeltaStream extends ProxyStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {

  DeltaStream(StreamObserver<DeltaDiscoveryResponse> out, StreamDependencies deps) {
    super(out, deps);
  }

  @Override
  String protocol() {
    return "delta";
  }

  @Override
  Node nodeOf(DeltaDiscoveryRequest request) {
    return request.getNode();
  }

  @Override
  String typeUrlOf(DeltaDiscoveryRequest request) {
    return request.getTypeUrl();
  }

  @Override
  boolean handle(DeltaDiscoveryRequest request, TypeState state, boolean first) {
    List<String> subscribe = request.getResourceNamesSubscribeList();
    if (first) {
      state.wildcard =
          XdsTypes.isWildcardType(state.typeUrl)
              && (subscribe.isEmpty() || subscribe.contains("*"));
      state.alreadySent(request.getInitialResourceVersionsMap());
    }
    state.changeSubscription(withoutWildcard(subscribe), request.getResourceNamesUnsubscribeList());
    String nonce = request.getResponseNonce();
    if (!nonce.isEmpty() && nonce.equals(state.lastNonce)) {
      if (request.hasErrorDetail()) {
        nacked(state, request.getErrorDetail().getMessage());
      } else {
        acked(state, state.sentVersion);
      }
    }
    return !subscribe.isEmpty() || request.getResourceNamesUnsubscribeCount() > 0;
  }

  @Override
  void respond(TypeState state, Map<String, XdsResource> current) {
    TypeState.Diff diff = state.diff(current);
    List<XdsResource> changed = diff.changed();
    List<String> removed = diff.removed();
    boolean firstWildcardAnswer = state.wildcard && !state.everSent;
    if (changed.isEmpty() && removed.isEmpty() && !firstWildcardAnswer) {
      if (!state.everSent) {
        // A reconnecting proxy already holds all of it (initial_resource_versions): in sync as is.
        state.sentVersion = state.versionOf(current);
        state.ackedVersion = state.sentVersion;
      }
      return;
    }
    removed.forEach(state.sent::remove);
    changed.forEach(r -> state.sent.put(r.name(), r.version()));
    String version = state.versionOf(current);
    String nonce = nextNonce();
    DeltaDiscoveryResponse.Builder response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(state.typeUrl)
            .setSystemVersionInfo(version)
            .setNonce(nonce)
            .addAllRemovedResources(removed);
    for (XdsResource r : changed) {
      response.addResources(
          Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.body()));
    }
    deliver(response.build(), state, version, nonce, changed);
  }
}
