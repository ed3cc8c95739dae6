package io.outrigger.testsupport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal TLS gRPC server speaking just enough ADS to see what an Envoy sends when it opens a
 * stream: the {@code authorization} header and the node id of the first DiscoveryRequest. Every
 * stream is then ended with UNAVAILABLE, so Envoy reconnects and each reconnect is observed afresh.
 */
final class TokenCapturingXdsServer implements AutoCloseable {

  static final String ADS_METHOD =
      "envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALLER_AUTHORIZATION = Context.key("authorization");

  /** What one ADS stream opened with. */
  record StreamOpened(String authorization, String nodeId) {}

  private final BlockingQueue<StreamOpened> streams = new LinkedBlockingQueue<>();
  private final Server server;

  TokenCapturingXdsServer(SelfSignedCert cert) {
    MethodDescriptor<byte[], byte[]> ads =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(ADS_METHOD)
            .setRequestMarshaller(new RawBytes())
            .setResponseMarshaller(new RawBytes())
            .build();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("envoy.service.discovery.v3.AggregatedDiscoveryService")
            .addMethod(ads, ServerCalls.asyncBidiStreamingCall(this::openStream))
            .build();
    try {
      server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", 0),
                  TlsServerCredentials.create(cert.certFile().toFile(), cert.keyFile().toFile()))
              .addService(ServerInterceptors.intercept(service, new AuthorizationCapture()))
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the TLS xDS test server", e);
    }
  }

  int port() {
    return server.getPort();
  }

  /** The next stream Envoy opened, or null after the timeout. */
  StreamOpened nextStream(Duration timeout) throws InterruptedException {
    return streams.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private StreamObserver<byte[]> openStream(StreamObserver<byte[]> responses) {
    String authorization = CALLER_AUTHORIZATION.get();
    return new StreamObserver<>() {
      private boolean seen;

      @Override
      public void onNext(byte[] request) {
        if (seen) {
          return;
        }
        seen = true;
        try {
          streams.add(
              new StreamOpened(
                  authorization, DiscoveryRequest.parseFrom(request).getNode().getId()));
        } catch (InvalidProtocolBufferException e) {
          streams.add(new StreamOpened(authorization, "unparseable request: " + e.getMessage()));
        }
        responses.onError(
            Status.UNAVAILABLE.withDescription("test server: seen, reconnect").asException());
      }

      @Override
      public void onError(Throwable t) {
        // Envoy went away; nothing to clean up.
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private static final class AuthorizationCapture implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Context context =
          Context.current().withValue(CALLER_AUTHORIZATION, headers.get(AUTHORIZATION));
      return Contexts.interceptCall(context, call, headers, next);
    }
  }

  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
