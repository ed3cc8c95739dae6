package io.outrigger.istiocompat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A hand-driven ADS client on the control plane's TLS port, for what a real Envoy cannot be made to
 * do: claim another workload, or come without a valid token, and show exactly what it got back.
 */
final class AdsProbe implements AutoCloseable {
  static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private final ManagedChannel channel;
  private final List<DiscoveryResponse> responses = new ArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile Status endStatus;
  private StreamObserver<DiscoveryRequest> requests;

  /** Answer every response with a NACK (a proxy whose Envoy rejects all it is sent). */
  private volatile boolean rejectEverything;

  /** {@code token} null sends no authorization header at all. */
  AdsProbe(String host, int port, String serverName, String rootCertPem, String token)
      throws SSLException {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    channel =
        NettyChannelBuilder.forAddress(host, port)
            .overrideAuthority(serverName)
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(
                        new ByteArrayInputStream(rootCertPem.getBytes(StandardCharsets.US_ASCII)))
                    .build())
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build();
  }

  /**
   * From now on every response is answered with a NACK naming its nonce, keeping the last accepted
   * version (none), as Envoy answers config it refuses.
   */
  void rejectEverything() {
    rejectEverything = true;
  }

  /** Opens the stream with the node claiming this workload, and asks for these resources. */
  void request(MeshWorkload claimed, String ip, String typeUrl, List<String> names) {
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse r) {
                    synchronized (responses) {
                      responses.add(r);
                    }
                    if (rejectEverything) {
                      requests.onNext(
                          DiscoveryRequest.newBuilder()
                              .setTypeUrl(r.getTypeUrl())
                              .addAllResourceNames(names)
                              .setResponseNonce(r.getNonce())
                              .setErrorDetail(
                                  com.google.rpc.Status.newBuilder()
                                      .setCode(3)
                                      .setMessage("probe rejects version " + r.getVersionInfo()))
                              .build());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    endStatus = Status.fromThrowable(t);
                    ended.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    endStatus = Status.OK;
                    ended.countDown();
                  }
                });
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node(claimed, ip))
            .setTypeUrl(typeUrl)
            .addAllResourceNames(names)
            .build());
  }

  /** The first response of this type, waiting at most {@code timeout}; empty if none came. */
  Optional<DiscoveryResponse> awaitResponse(String typeUrl, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      synchronized (responses) {
        Optional<DiscoveryResponse> r =
            responses.stream().filter(x -> x.getTypeUrl().equals(typeUrl)).findFirst();
        if (r.isPresent()) {
          return r;
        }
      }
      if (ended.await(50, TimeUnit.MILLISECONDS)) {
        break;
      }
    }
    return Optional.empty();
  }

  /**
   * How the server ended the stream, waiting at most {@code timeout}; empty if it is still open.
   */
  Optional<Status> awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? Optional.of(endStatus)
        : Optional.empty();
  }

  List<DiscoveryResponse> responses() {
    synchronized (responses) {
      return List.copyOf(responses);
    }
  }

  private static Node node(MeshWorkload w, String ip) {
    Struct.Builder labels = Struct.newBuilder();
    w.labels().forEach((k, v) -> labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
    Struct metadata =
        Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue(w.namespace()).build())
            .putFields("NAME", Value.newBuilder().setStringValue(w.name()).build())
            .putFields(
                "SERVICE_ACCOUNT", Value.newBuilder().setStringValue(w.serviceAccount()).build())
            .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue(ip).build())
            .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
            .build();
    return Node.newBuilder()
        .setId(BootstrapParams.sidecarNodeId(ip, w.name(), w.namespace()))
        .setCluster(w.labels().getOrDefault("app", w.name()) + "." + w.namespace())
        .setMetadata(metadata)
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    if (requests != null && ended.getCount() > 0) {
      try {
        requests.onCompleted();
      } catch (IllegalStateException alreadyClosed) {
        // The server ended the stream first.
      }
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
