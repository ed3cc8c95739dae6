package io.outrigger.controlplane.xds;

import static io.outrigger.controlplane.xds.AdsProtocolTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.controlplane.xds.AdsProtocolTest.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One push, one model version: while the registry changes during a push, every proxy of that push
 * still gets the version the push began with (the next push brings the newer one), never a mix.
 */
class OneSnapshotPerPushTest {

  /**
   * A registry that has moved on to a new model version at every read, as a busy one can between
   * two proxies.
   */
  static final class MovingRegistry implements SnapshotSource {
    final AtomicInteger version = new AtomicInteger();

    @Override
    public ProxySnapshot snapshot(ConnectedProxy proxy) {
      return model(version.incrementAndGet());
    }

    @Override
    public SnapshotSource forPush() {
      ProxySnapshot pinned = model(version.incrementAndGet());
      return proxy -> pinned;
    }

    static ProxySnapshot model(int version) {
      return AdsProtocolTest.snapshot(XdsTypes.CLUSTER, resource("reviews", "model-v" + version));
    }
  }

  @Test
  void everyProxyOfOnePushGetsTheSameModelVersion() {
    MovingRegistry registry = new MovingRegistry();
    ProxyStreams streams = new ProxyStreams();
    XdsMetrics metrics = new XdsMetrics(new SimpleMeterRegistry());
    List<Recorder<DiscoveryResponse>> sidecars = new ArrayList<>();
    StreamDependencies deps =
        new StreamDependencies(OneSnapshotPerPushTest::proxy, registry, streams, metrics);
    for (int i = 0; i < 8; i++) {
      Recorder<DiscoveryResponse> out = new Recorder<>();
      new SotwStream(out, deps)
          .onNext(
              DiscoveryRequest.newBuilder()
                  .setNode(
                      Node.newBuilder()
                          .setId(
                              "sidecar~198.18.0."
                                  + (i + 1)
                                  + "~p"
                                  + i
                                  + ".ns~ns.svc.cluster.local"))
                  .setTypeUrl(XdsTypes.CLUSTER)
                  .build());
      sidecars.add(out);
    }
    assertThat(streams.size()).isEqualTo(8);

    try (PushEngine push =
        new PushEngine(
            streams,
            registry,
            metrics,
            new Debounce(Duration.ofMillis(1), Duration.ofMillis(1)),
            4)) {
      push.flush(0);
      List<String> first = lastVersions(sidecars);
      assertThat(Set.copyOf(first)).as("the versions the first push sent: %s", first).hasSize(1);
      push.flush(0);
      List<String> next = lastVersions(sidecars);
      assertThat(Set.copyOf(next))
          .as("the versions the next push sent: %s", next)
          .hasSize(1)
          .doesNotContain(first.get(0));
    }
    assertThat(registry.version)
        .as("the registry moved on after the push began")
        .hasValueGreaterThan(8);
  }

  private static ConnectedProxy proxy(Node node) {
    String pod = node.getId().split("~")[2].split("\\.")[0];
    return new ConnectedProxy(node.getId(), "ns", pod, "sa", false, node);
  }

  private static String unpack(Any resource) {
    try {
      return resource.unpack(StringValue.class).getValue();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> lastVersions(List<Recorder<DiscoveryResponse>> sidecars) {
    return sidecars.stream().map(out -> unpack(out.values.getLast().getResources(0))).toList();
  }
}
