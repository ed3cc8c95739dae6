package io.outrigger.controlplane.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven ADS client on the TLS port (real TLS, real gRPC), for what a stock Envoy will not
 * do: claim another workload's identity, or ask for secrets by name on purpose.
 */
public final class RawAdsClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private StreamObserver<DiscoveryRequest> requests;

  public RawAdsClient(int port, String rootPem, String serverName, String token) {
    this.channel = tlsChannel(port, rootPem, serverName);
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub =
        AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (token != null) {
      stub = stub.withCallCredentials(bearer(token));
    }
    requests =
        stub.streamAggregatedResources(
            new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryResponse value) {
                responses.add(value);
              }

              @Override
              public void onError(Throwable t) {
                closed.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                closed.complete(Status.OK);
              }
            });
  }

  /** A channel to the TLS port on loopback that verifies the server with the mesh root. */
  static ManagedChannel tlsChannel(int port, String rootPem, String serverName) {
    try {
      TlsChannelCredentials.Builder tls =
          TlsChannelCredentials.newBuilder()
              .trustManager(new ByteArrayInputStream(rootPem.getBytes(StandardCharsets.UTF_8)));
      return NettyChannelBuilder.forAddress("127.0.0.1", port, tls.build())
          .overrideAuthority(serverName)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the mesh root", e);
    }
  }

  /**
   * Asks for {@code names} of {@code typeUrl}, as the workload {@code ns/pod} with service account
   * {@code sa}.
   */
  public void request(String namespace, String pod, String sa, String typeUrl, List<String> names) {
    request(namespace, pod, sa, Map.of(), typeUrl, names);
  }

  /** As {@link #request}, with more node metadata (POD_UID, say). */
  public void request(
      String namespace,
      String pod,
      String sa,
      Map<String, String> metadata,
      String typeUrl,
      List<String> names) {
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node(namespace, pod, sa, metadata))
            .setTypeUrl(typeUrl)
            .addAllResourceNames(names)
            .build());
  }

  /** ACKs {@code response} as the workload {@code ns/pod}, subscribed to {@code names}. */
  public void ack(
      String namespace, String pod, String sa, DiscoveryResponse response, List<String> names) {
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node(namespace, pod, sa))
            .setTypeUrl(response.getTypeUrl())
            .setVersionInfo(response.getVersionInfo())
            .setResponseNonce(response.getNonce())
            .addAllResourceNames(names)
            .build());
  }

  /** The node a sidecar of workload {@code ns/pod} with service account {@code sa} sends. */
  static Node node(String namespace, String pod, String sa) {
    return node(namespace, pod, sa, Map.of());
  }

  static Node node(String namespace, String pod, String sa, Map<String, String> more) {
    Struct.Builder fields =
        Struct.newBuilder()
            .putFields("NAMESPACE", string(namespace))
            .putFields("NAME", string(pod))
            .putFields("SERVICE_ACCOUNT", string(sa));
    more.forEach((k, v) -> fields.putFields(k, string(v)));
    return Node.newBuilder()
        .setId(BootstrapParams.sidecarNodeId("127.0.0.1", pod, namespace))
        .setMetadata(fields.build())
        .build();
  }

  public DiscoveryResponse next(Duration timeout) throws InterruptedException {
    return responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next response of {@code typeUrl}, skipping others; null after {@code timeout}. */
  public DiscoveryResponse next(String typeUrl, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      DiscoveryResponse r =
          responses.poll(
              Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      if (r != null && r.getTypeUrl().equals(typeUrl)) {
        return r;
      }
    }
    return null;
  }

  public List<DiscoveryResponse> received() {
    return List.copyOf(responses);
  }

  /**
   * The status the server closed the stream with, or null if it is still open after {@code
   * timeout}.
   */
  public Status closedWith(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(headers);
      }
    };
  }
}
