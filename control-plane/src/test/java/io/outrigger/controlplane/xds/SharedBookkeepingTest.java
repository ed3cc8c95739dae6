package io.outrigger.controlplane.xds;

import static io.outrigger.controlplane.xds.AdsProtocolTest.NODE;
import static io.outrigger.controlplane.xds.AdsProtocolTest.eds;
import static io.outrigger.controlplane.xds.AdsProtocolTest.resource;
import static io.outrigger.controlplane.xds.IncrementalDiffTest.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.outrigger.controlplane.xds.AdsProtocolTest.Recorder;
import io.outrigger.controlplane.xds.IncrementalDiffTest.View;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Streams keep what they sent as differences from the shared map they last synced with, and share
 * subscriptions by content: a proxy in sync holds no entry per resource, and proxies asking for the
 * same names hold one set of them.
 */
class SharedBookkeepingTest {
  static final int CLUSTERS = 200;

  final AtomicReference<ProxySnapshot> current = new AtomicReference<>(ProxySnapshot.EMPTY);
  final StreamDependencies deps = IncrementalDiffTest.deps(current);

  /** Every cluster {@code c<i>}, and endpoints of each at {@code version} but the moved ones. */
  static ProxySnapshot mesh(String clusterVersion, String endpointVersion, int... moved) {
    List<XdsResource> clusters = new ArrayList<>();
    List<XdsResource> endpoints = new ArrayList<>();
    for (int i = 0; i < CLUSTERS; i++) {
      clusters.add(resource("c" + i, clusterVersion));
      int index = i;
      boolean changed = IntStream.of(moved).anyMatch(m -> m == index);
      endpoints.add(resource("c" + i, changed ? endpointVersion + "-moved" : endpointVersion));
    }
    return snapshot(
        new View(clusters.toArray(XdsResource[]::new)),
        new View(endpoints.toArray(XdsResource[]::new)));
  }

  /** The names of every cluster, as fresh strings (as each parsed request has its own). */
  static List<String> names() {
    return IntStream.range(0, CLUSTERS).mapToObj(i -> new String("c" + i)).toList();
  }

  @Test
  void sotwPushSendsOnlyTheChangedResourcesAndKeepsNoEntryPerResource() {
    current.set(mesh("v1", "e1"));
    List<Recorder<DiscoveryResponse>> outs = new ArrayList<>();
    List<SotwStream> streams = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      Recorder<DiscoveryResponse> out = new Recorder<>();
      SotwStream stream = new SotwStream(out, deps);
      stream.onNext(
          DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
      stream.onNext(eds(names(), null));
      outs.add(out);
      streams.add(stream);
    }
    for (SotwStream stream : streams) {
      TypeState endpoints = stream.typeState(XdsTypes.ENDPOINT);
      assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS);
      assertThat(endpoints.sent.overlaySize()).as("in sync: no entry per resource").isZero();
      assertThat(stream.typeState(XdsTypes.CLUSTER).sent.overlaySize()).isZero();
      assertThat(endpoints.subscribed())
          .as("one set for every proxy with the same subscription")
          .isSameAs(streams.getFirst().typeState(XdsTypes.ENDPOINT).subscribed());
    }

    ProxySnapshot pushed = mesh("v1", "e1", 3, 7);
    for (int p = 0; p < streams.size(); p++) {
      int before = outs.get(p).values.size();
      streams.get(p).push(pushed, 0);
      List<DiscoveryResponse> sent = outs.get(p).values.subList(before, outs.get(p).values.size());
      assertThat(sent).hasSize(1);
      assertThat(sent.getFirst().getResourcesList())
          .as("exactly the changed assignments")
          .hasSize(2)
          .containsExactlyInAnyOrder(
              pushed.resources(XdsTypes.ENDPOINT).get("c3").body(),
              pushed.resources(XdsTypes.ENDPOINT).get("c7").body());
      TypeState endpoints = streams.get(p).typeState(XdsTypes.ENDPOINT);
      assertThat(endpoints.sent.overlaySize()).isZero();
      assertThat(endpoints.sent.get("c3"))
          .isEqualTo(pushed.resources(XdsTypes.ENDPOINT).get("c3").version());
      assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS);
    }

    // A rebuilt cluster's unchanged endpoints must follow: the only difference held is that name.
    SotwStream first = streams.getFirst();
    TypeState endpoints = first.typeState(XdsTypes.ENDPOINT);
    endpoints.forget("c5");
    assertThat(endpoints.sent.overlaySize()).isEqualTo(1);
    assertThat(endpoints.sent.containsKey("c5")).isFalse();
    assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS - 1);
    int before = outs.getFirst().values.size();
    first.push(mesh("v1", "e1", 3, 7), 0);
    assertThat(outs.getFirst().values.getLast().getResourcesList()).hasSize(1);
    assertThat(outs.getFirst().values).hasSize(before + 1);
    assertThat(endpoints.sent.overlaySize()).isZero();

    // A narrower subscription forgets the dropped names; re-adding one sends it again.
    List<String> narrower = names().subList(0, CLUSTERS - 1);
    first.onNext(eds(narrower, outs.getFirst().values.getLast()));
    assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS - 1);
    assertThat(endpoints.sent.overlaySize()).isZero();
    first.onNext(eds(names(), outs.getFirst().values.getLast()));
    DiscoveryResponse readded = outs.getFirst().values.getLast();
    assertThat(readded.getResourcesList())
        .containsExactly(
            current.get().resources(XdsTypes.ENDPOINT).get("c" + (CLUSTERS - 1)).body());
    assertThat(endpoints.sent.overlaySize()).isZero();
    assertThat(endpoints.subscribed())
        .isSameAs(streams.get(1).typeState(XdsTypes.ENDPOINT).subscribed());
  }

  @Test
  void deltaHoldsOnlyWhatDiffersFromTheSyncedMap() {
    current.set(mesh("v1", "e1"));
    Recorder<DeltaDiscoveryResponse> out = new Recorder<>();
    DeltaStream stream = new DeltaStream(out, deps);
    // Reconnecting with c0 already at the current version and c1 at an old one.
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(XdsTypes.ENDPOINT)
            .addAllResourceNamesSubscribe(names())
            .putInitialResourceVersions(
                "c0", current.get().resources(XdsTypes.ENDPOINT).get("c0").version())
            .putInitialResourceVersions("c1", "old")
            .build());
    assertThat(out.values.getLast().getResourcesList()).hasSize(CLUSTERS - 1);
    TypeState endpoints = stream.typeState(XdsTypes.ENDPOINT);
    assertThat(endpoints.sent.overlaySize()).isZero();

    ProxySnapshot pushed = mesh("v1", "e1", 4);
    stream.push(pushed, 0);
    assertThat(out.values.getLast().getResourcesList())
        .extracting(Resource::getName)
        .containsExactly("c4");
    assertThat(endpoints.sent.overlaySize()).isZero();

    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(XdsTypes.ENDPOINT)
            .setResponseNonce(out.values.getLast().getNonce())
            .addResourceNamesUnsubscribe("c9")
            .build());
    assertThat(endpoints.sent.containsKey("c9")).isFalse();
    assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS - 1);
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(XdsTypes.ENDPOINT)
            .setResponseNonce(out.values.getLast().getNonce())
            .addResourceNamesSubscribe("c9")
            .build());
    assertThat(out.values.getLast().getResourcesList())
        .extracting(Resource::getName)
        .containsExactly("c9");
    assertThat(endpoints.sent.overlaySize()).isZero();
    assertThat(endpoints.status().resourcesSent()).isEqualTo(CLUSTERS);
  }

  @Test
  void equalSubscriptionsAreOneSetAndOneList() {
    List<String> names = names();
    assertThat(SubscriptionNames.set(names)).isSameAs(SubscriptionNames.set(names()));
    assertThat(SubscriptionNames.list(names)).isSameAs(SubscriptionNames.list(names()));
    assertThat(SubscriptionNames.list(names).getFirst())
        .as("canonical names")
        .isSameAs(SubscriptionNames.set(names().subList(0, 1)).iterator().next());
    assertThat(SubscriptionNames.set(Map.of("x", 1).keySet())).containsExactly("x");
  }
}
