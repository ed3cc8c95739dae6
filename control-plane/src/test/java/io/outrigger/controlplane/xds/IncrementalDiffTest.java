package io.outrigger.controlplane.xds;

import static io.outrigger.controlplane.xds.AdsProtocolTest.NODE;
import static io.outrigger.controlplane.xds.AdsProtocolTest.eds;
import static io.outrigger.controlplane.xds.AdsProtocolTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.controlplane.xds.AdsProtocolTest.Recorder;
import java.util.AbstractMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * A stream pushed views that can tell what changed since the last one (as the server's shared maps
 * can) diffs only those names: it must send exactly what a stream that walks everything sends, with
 * the same set versions, including a rebuilt cluster's unchanged endpoints, out-of-scope changes
 * and removals.
 */
class IncrementalDiffTest {
  final AtomicReference<ProxySnapshot> current = new AtomicReference<>(ProxySnapshot.EMPTY);
  final StreamDependencies deps = deps(current);

  /** Streams of {@link AdsProtocolTest#PROXY} that are pushed whatever {@code current} holds. */
  static StreamDependencies deps(AtomicReference<ProxySnapshot> current) {
    return new StreamDependencies(
        node -> AdsProtocolTest.PROXY,
        proxy -> current.get(),
        new ProxyStreams(),
        new XdsMetrics(new SimpleMeterRegistry()));
  }

  /** Resources by name that answer {@link #changedSince} by comparing versions. */
  static final class View extends AbstractMap<String, XdsResource> implements VersionedView {
    final Map<String, XdsResource> byName;
    final Set<String> askedFor = new HashSet<>();

    View(XdsResource... resources) {
      byName = ProxySnapshot.byName(List.of(resources));
    }

    @Override
    public Set<Entry<String, XdsResource>> entrySet() {
      return byName.entrySet();
    }

    @Override
    public String versionOf(String name) {
      XdsResource r = byName.get(name);
      return r == null ? null : r.version();
    }

    @Override
    public void forEachVersion(BiConsumer<String, String> action) {
      byName.forEach((name, r) -> action.accept(name, r.version()));
    }

    @Override
    public Set<String> changedSince(VersionedView earlier) {
      Map<String, XdsResource> before = ((View) earlier).byName;
      Set<String> names = new HashSet<>();
      byName.forEach(
          (name, r) -> {
            if (before.get(name) == null || !before.get(name).version().equals(r.version())) {
              names.add(name);
            }
          });
      before.keySet().stream().filter(n -> !byName.containsKey(n)).forEach(names::add);
      askedFor.addAll(names);
      return names;
    }
  }

  static ProxySnapshot snapshot(View clusters, View endpoints) {
    return new ProxySnapshot(Map.of(XdsTypes.CLUSTER, clusters, XdsTypes.ENDPOINT, endpoints));
  }

  @Test
  void sotwSendsWhatAFullWalkSendsWithTheSameVersions() {
    current.set(
        snapshot(
            new View(resource("a", "c1"), resource("b", "c1")),
            new View(resource("a", "e1"), resource("b", "e1"), resource("c", "e1"))));
    Recorder<DiscoveryResponse> out = new Recorder<>();
    SotwStream stream = sotw(out);

    View endpointMoved = new View(resource("a", "e2"), resource("b", "e1"), resource("c", "e1"));
    pushAndCompare(stream, out, snapshot(clusters(current.get()), endpointMoved), List.of("a"));

    View clusterRebuilt = new View(resource("a", "c1"), resource("b", "c2"));
    // SotW CDS goes out whole, so every sent cluster's endpoints follow, though none of them moved.
    DiscoveryResponse cds =
        pushAndCompare(stream, out, snapshot(clusterRebuilt, endpointMoved), List.of("a", "b"));
    assertThat(cds.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);

    View outOfScopeMoved = new View(resource("a", "e2"), resource("b", "e1"), resource("c", "e2"));
    int before = out.values.size();
    stream.push(snapshot(clusterRebuilt, outOfScopeMoved), 0);
    assertThat(out.values).as("only c moved, and it is not subscribed").hasSize(before);
    assertThat(outOfScopeMoved.askedFor)
        .as("the diff was asked for, not walked")
        .containsExactly("c");

    // SotW EDS does not announce removals; a changes too so there is a response to compare.
    View removed = new View(resource("a", "e3"), resource("c", "e3"));
    pushAndCompare(stream, out, snapshot(clusterRebuilt, removed), List.of("a"));
  }

  @Test
  void deltaNamesAResourceThatIsGone() {
    View first = new View(resource("a", "c1"), resource("b", "c1"));
    current.set(new ProxySnapshot(Map.of(XdsTypes.CLUSTER, first)));
    Recorder<DeltaDiscoveryResponse> out = new Recorder<>();
    DeltaStream stream = new DeltaStream(out, deps);
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());

    View second = new View(resource("a", "c2"));
    stream.push(new ProxySnapshot(Map.of(XdsTypes.CLUSTER, second)), 0);

    DeltaDiscoveryResponse response = out.values.get(1);
    assertThat(response.getResourcesList()).extracting(Resource::getName).containsExactly("a");
    assertThat(response.getRemovedResourcesList()).containsExactly("b");
    assertThat(second.askedFor).containsExactlyInAnyOrder("a", "b");
    assertThat(response.getSystemVersionInfo())
        .isEqualTo(ResourceVersions.ofSet(Map.of("a", second.get("a").version())));
  }

  /**
   * Pushes {@code next}; the last EDS response must carry {@code endpointNames} and the version a
   * fresh stream (which walks everything) gives the same subscription. Returns the first response.
   */
  private DiscoveryResponse pushAndCompare(
      SotwStream stream,
      Recorder<DiscoveryResponse> out,
      ProxySnapshot next,
      List<String> endpointNames) {
    int before = out.values.size();
    stream.push(next, 0);
    assertThat(out.values).as("something was sent").hasSizeGreaterThan(before);
    DiscoveryResponse lastEds = out.values.getLast();
    assertThat(lastEds.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
    assertThat(lastEds.getResourcesList()).hasSize(endpointNames.size());

    current.set(next);
    Recorder<DiscoveryResponse> freshOut = new Recorder<>();
    sotw(freshOut);
    assertThat(lastEds.getVersionInfo()).isEqualTo(freshOut.values.getLast().getVersionInfo());
    if (out.values.get(before).getTypeUrl().equals(XdsTypes.CLUSTER)) {
      assertThat(out.values.get(before).getVersionInfo())
          .isEqualTo(freshOut.values.getFirst().getVersionInfo());
    }
    return out.values.get(before);
  }

  private SotwStream sotw(Recorder<DiscoveryResponse> out) {
    SotwStream stream = new SotwStream(out, deps);
    stream.onNext(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(XdsTypes.CLUSTER).build());
    stream.onNext(eds(List.of("a", "b"), null));
    return stream;
  }

  private static View clusters(ProxySnapshot snapshot) {
    return (View) snapshot.resources(XdsTypes.CLUSTER);
  }
}
