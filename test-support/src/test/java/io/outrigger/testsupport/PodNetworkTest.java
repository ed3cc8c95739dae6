package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.testsupport.apps.EchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pods wired by Debian's real CNI plugins: addresses, reachability both ways, and a complete
 * teardown.
 */
class PodNetworkTest {

  @Test
  void podsGetAddressesOnTheirBridgeAndReachEachOtherAndTheHost() throws Exception {
    try (PodNetwork network = PodNetwork.create()) {
      NetnsPod client = network.addPod(PodSpec.named("client"));
      NetnsPod server = network.addPod(PodSpec.named("server"));

      assertThat(network.subnet().contains(client.ip())).isTrue();
      assertThat(network.subnet().contains(server.ip())).isTrue();
      assertThat(client.ip()).isNotEqualTo(server.ip());
      assertThat(client.netnsPath()).exists();
      assertThat(client.exec("ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout())
          .contains(client.ip() + "/24");
      assertThat(client.exec("ip", "-o", "link", "show", "lo").stdout()).contains("UP");
      assertThat(client.exec("ip", "route").stdout()).contains("default via " + network.gateway());

      server.start(EchoServer.commandLine(8080, "server"), false);
      server.awaitListening(8080, Duration.ofSeconds(20));
      String body =
          client
              .exec("curl", "-sS", "--max-time", "5", "http://" + server.ip() + ":8080/ping")
              .orThrow("curl")
              .stdout();
      assertThat(body)
          .contains("\"name\":\"server\"")
          .contains("\"path\":\"/ping\"")
          .contains("\"peer\":\"" + client.ip() + ":");

      // The host reaches pods through the bridge, whose address is the gateway.
      HttpResponse<String> fromHost =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + server.ip() + ":8080/host"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(fromHost.body()).contains("\"peer\":\"" + network.gateway() + ":");
    }
  }

  @Test
  void closeRemovesPodsBridgeIpamStateAndProcesses() {
    String bridge;
    List<String> netns;
    Process echo;
    Path dataDir;
    try (PodNetwork network = PodNetwork.create()) {
      NetnsPod pod = network.addPod(PodSpec.named("doomed"));
      network.addPod(PodSpec.named("other"));
      echo = pod.start(EchoServer.commandLine(8080, "doomed"), false);
      bridge = network.bridgeName();
      netns = network.pods().stream().map(NetnsPod::netnsName).toList();
      dataDir = SubnetLeases.dataDir(Integer.parseInt(bridge.substring("ortg".length())));
      assertThat(Commands.run(List.of("ip", "link", "show", bridge)).succeeded()).isTrue();
      assertThat(dataDir.resolve("ipam")).isDirectory();
    }
    assertThat(echo.isAlive()).isFalse();
    assertThat(Commands.run(List.of("ip", "link", "show", bridge)).succeeded()).isFalse();
    String remaining = Commands.run(List.of("ip", "netns", "list")).stdout();
    netns.forEach(name -> assertThat(remaining).doesNotContain(name));
    assertThat(dataDir).doesNotExist();
  }

  @Test
  void concurrentNetworksGetDistinctSubnetsAndBridges() {
    try (PodNetwork first = PodNetwork.create();
        PodNetwork second = PodNetwork.create()) {
      assertThat(first.subnet().overlaps(second.subnet())).isFalse();
      assertThat(first.bridgeName()).isNotEqualTo(second.bridgeName());
      assertThat(first.bridgeName().length()).isLessThanOrEqualTo(15);
    }
  }

  @Test
  void networkLeftByADeadJvmIsSweptBeforeTheNextIsCreated() throws Exception {
    Prerequisites.requireRoot();
    int index = 0;
    while (Files.exists(SubnetLeases.STATE_DIR.resolve("lease-" + index))) {
      index++;
    }
    String stale = "ortg" + index + "-1-stale";
    Files.createDirectories(SubnetLeases.STATE_DIR);
    // A finished process's PID and start time: its owner is certainly dead.
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    Files.writeString(
        SubnetLeases.STATE_DIR.resolve("lease-" + index), dead.pid() + "@1970-01-01T00:00:00Z");
    Commands.run(List.of("ip", "netns", "add", stale)).orThrow("ip netns add");
    Commands.run(List.of("ip", "link", "add", "ortg" + index, "type", "bridge"))
        .orThrow("ip link add");
    try (PodNetwork network = PodNetwork.create()) {
      assertThat(Commands.run(List.of("ip", "netns", "list")).stdout()).doesNotContain(stale);
      assertThat(network.bridgeName()).isEqualTo("ortg" + index);
    } finally {
      PodNetwork.sweep(index);
    }
    assertThat(Commands.run(List.of("ip", "link", "show", "ortg" + index)).succeeded()).isFalse();
  }
}
