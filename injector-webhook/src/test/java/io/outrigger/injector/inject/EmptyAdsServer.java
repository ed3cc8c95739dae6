package io.outrigger.injector.inject;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the control plane where the real one (another module) cannot be used: a TLS ADS
 * server that answers each first request for a type with an empty set of resources, which is a
 * complete configuration for Envoy, and records the caller's {@code authorization} header and node.
 */
final class EmptyAdsServer implements AutoCloseable {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALLER = Context.key("authorization");

  /** Type URL → the authorization header and node id of the stream that asked for it. */
  final Map<String, String> askedBy = new ConcurrentHashMap<>();

  private final Server server;

  EmptyAdsServer(String host, Path cert, Path key) throws IOException {
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(host, 0),
                TlsServerCredentials.create(cert.toFile(), key.toFile()))
            .addService(ServerInterceptors.intercept(new Ads(), new Capture()))
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Ads
      extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
        StreamObserver<DiscoveryResponse> responses) {
      String authorization = CALLER.get();
      return new StreamObserver<>() {
        private String nodeId = "";

        @Override
        public void onNext(DiscoveryRequest request) {
          if (request.hasNode()) {
            nodeId = request.getNode().getId();
          }
          if (!request.getResponseNonce().isEmpty()) {
            return; // an ACK or NACK of what we sent
          }
          askedBy.put(request.getTypeUrl(), authorization + " " + nodeId);
          synchronized (responses) {
            responses.onNext(
                DiscoveryResponse.newBuilder()
                    .setTypeUrl(request.getTypeUrl())
                    .setVersionInfo("1")
                    .setNonce("n-" + request.getTypeUrl().hashCode())
                    .build());
          }
        }

        @Override
        public void onError(Throwable t) {
          // Envoy went away.
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  private static final class Capture implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return Contexts.interceptCall(
          Context.current().withValue(CALLER, headers.get(AUTHORIZATION)), call, headers, next);
    }
  }
}
