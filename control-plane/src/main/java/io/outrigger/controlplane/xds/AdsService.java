package io.outrigger.controlplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;

/**
 * The ADS gRPC service, SotW and Delta. One per port: each port admits proxies its own way (token
 * on TLS, node claims on loopback plaintext) and all share the stream set the push engine walks.
 */
public final class AdsService
    extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  private final StreamDependencies deps;

  public AdsService(
      ProxyAdmission admission,
      SnapshotSource snapshots,
      ProxyStreams streams,
      XdsMetrics metrics) {
    this.deps = new StreamDependencies(admission, snapshots, streams, metrics);
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responseObserver) {
    return new SotwStream(responseObserver, deps);
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responseObserver) {
    return new DeltaStream(responseObserver, deps);
  }
}
