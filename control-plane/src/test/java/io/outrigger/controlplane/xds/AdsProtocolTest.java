package io.outrigger.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The protocol rules Envoy alone will not make us exercise: a NACKed version is not re-sent, stale
 * nonces are ignored, a reconnecting Delta client's initial versions are honoured, a dropped and
 * re-added subscription is answered again, a refused proxy gets nothing but the error.
 */
class AdsProtocolTest {
  static final Node NODE =
      Node.newBuilder().setId("sidecar~127.0.0.1~p.ns~ns.svc.cluster.local").build();
  static final ConnectedProxy PROXY =
      new ConnectedProxy(NODE.getId(), "ns", "p", "sa", false, NODE);

  final AtomicReference<ProxySnapshot> current = new AtomicReference<>(ProxySnapshot.EMPTY);
  final ProxyStreams streams = new ProxyStreams();
  final StreamDependencies deps =
      new StreamDependencies(
          node -> PROXY,
          proxy -> current.get(),
          streams,
          new XdsMetrics(new SimpleMeterRegistry()));

  static XdsResource resource(String name, String content) {
    return XdsResource.of(name, StringValue.of(content));
  }

  static ProxySnapshot snapshot(String type, XdsResource... resources) {
    return ProxySnapshot.of(Map.of(type, List.of(resources)));
  }

  static final class Recorder<R> implements StreamObserver<R> {
    final List<R> values = new ArrayList<>();
    Status error;

    @Override
    public void onNext(R value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {}
  }

  @Test
  void sotwNackedVersionIsNotResentOnlyANewerOne() {
    current.set(snapshot(XdsTypes.CLUSTER, resource("a", "1")));
    Recorder<DiscoveryResponse> out = new Recorder<>();
    SotwStream stream = new SotwStream(out, deps);
    stream.onNext(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
    DiscoveryResponse first = out.values.get(0);

    stream.onNext(nack(first, ""));
    stream.push(current.get(), 0);
    assertThat(out.values).hasSize(1);
    assertThat(stream.status().types().get(0).lastNack().message()).isEqualTo("bad cluster");
    assertThat(stream.status().types().get(0).inSync()).isFalse();

    current.set(snapshot(XdsTypes.CLUSTER, resource("a", "2")));
    stream.push(current.get(), 0);
    assertThat(out.values).hasSize(2);
    assertThat(out.values.get(1).getVersionInfo()).isNotEqualTo(first.getVersionInfo());
  }

  @Test
  void sotwStaleNonceIsIgnored() {
    current.set(snapshot(XdsTypes.CLUSTER, resource("a", "1")));
    Recorder<DiscoveryResponse> out = new Recorder<>();
    SotwStream stream = new SotwStream(out, deps);
    stream.onNext(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
    current.set(snapshot(XdsTypes.CLUSTER, resource("a", "2")));
    stream.push(current.get(), 0);
    // A NACK of the first response arrives after the second was sent: it says nothing about the
    // second.
    stream.onNext(nack(out.values.get(0), ""));
    assertThat(stream.status().types().get(0).lastNack()).isNull();
    stream.onNext(
        DiscoveryRequest.newBuilder()
            .setTypeUrl(XdsTypes.CLUSTER)
            .setVersionInfo(out.values.get(1).getVersionInfo())
            .setResponseNonce(out.values.get(1).getNonce())
            .build());
    assertThat(stream.status().types().get(0).inSync()).isTrue();
  }

  @Test
  void sotwEndpointsCarryOnlyTheChangedResourceAndAReAddedNameIsAnsweredAgain() {
    current.set(snapshot(XdsTypes.ENDPOINT, resource("x", "1"), resource("y", "1")));
    Recorder<DiscoveryResponse> out = new Recorder<>();
    SotwStream stream = new SotwStream(out, deps);
    stream.onNext(eds(List.of("x", "y"), null));
    assertThat(out.values.get(0).getResourcesCount()).isEqualTo(2);

    current.set(snapshot(XdsTypes.ENDPOINT, resource("x", "2"), resource("y", "1")));
    stream.push(current.get(), 0);
    assertThat(out.values.get(1).getResourcesCount()).isEqualTo(1);

    stream.onNext(eds(List.of("x"), out.values.get(1)));
    stream.onNext(eds(List.of("x", "y"), out.values.get(1)));
    assertThat(out.values).hasSize(3);
    assertThat(out.values.get(2).getResourcesCount()).isEqualTo(1);
  }

  @Test
  void deltaReconnectWithInitialVersionsGetsNothingItHolds() {
    XdsResource a = resource("a", "1");
    XdsResource b = resource("b", "1");
    current.set(snapshot(XdsTypes.CLUSTER, a, b));
    Recorder<DeltaDiscoveryResponse> out = new Recorder<>();
    DeltaStream stream = new DeltaStream(out, deps);
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(XdsTypes.CLUSTER)
            .putInitialResourceVersions("a", a.version())
            .putInitialResourceVersions("b", "stale")
            .putInitialResourceVersions("gone", "1")
            .build());
    DeltaDiscoveryResponse response = out.values.get(0);
    assertThat(response.getResourcesList()).extracting(r -> r.getName()).containsExactly("b");
    assertThat(response.getRemovedResourcesList()).containsExactly("gone");
  }

  @Test
  void deltaUnsubscribedThenResubscribedIsSentAgain() {
    current.set(snapshot(XdsTypes.SECRET, resource("default", "k1")));
    Recorder<DeltaDiscoveryResponse> out = new Recorder<>();
    DeltaStream stream = new DeltaStream(out, deps);
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(XdsTypes.SECRET)
            .addResourceNamesSubscribe("default")
            .build());
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(XdsTypes.SECRET)
            .setResponseNonce(out.values.get(0).getNonce())
            .addResourceNamesUnsubscribe("default")
            .build());
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(XdsTypes.SECRET)
            .addResourceNamesSubscribe("default")
            .build());
    assertThat(out.values).hasSize(2);
    assertThat(out.values.get(1).getResources(0).getName()).isEqualTo("default");
  }

  @Test
  void refusedProxyGetsOnlyTheErrorAndIsNotTracked() {
    StreamDependencies refusing =
        new StreamDependencies(
            node -> {
              throw Status.PERMISSION_DENIED
                  .withDescription("node claims another identity")
                  .asException();
            },
            proxy -> current.get(),
            streams,
            deps.metrics());
    current.set(snapshot(XdsTypes.CLUSTER, resource("a", "1")));
    Recorder<DiscoveryResponse> out = new Recorder<>();
    SotwStream stream = new SotwStream(out, refusing);
    stream.onNext(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
    stream.onNext(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
    assertThat(out.values).isEmpty();
    assertThat(out.error.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(streams.size()).isZero();
    assertThat(deps.metrics().refusedTotal("PERMISSION_DENIED")).isEqualTo(1.0);
  }

  static DiscoveryRequest nack(DiscoveryResponse of, String acceptedVersion) {
    return DiscoveryRequest.newBuilder()
        .setTypeUrl(of.getTypeUrl())
        .setVersionInfo(acceptedVersion)
        .setResponseNonce(of.getNonce())
        .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("bad cluster"))
        .build();
  }

  static DiscoveryRequest eds(List<String> names, DiscoveryResponse acked) {
    DiscoveryRequest.Builder b =
        DiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(XdsTypes.ENDPOINT)
            .addAllResourceNames(names);
    if (acked != null) {
      b.setVersionInfo(acked.getVersionInfo()).setResponseNonce(acked.getNonce());
    }
    return b.build();
  }
}
