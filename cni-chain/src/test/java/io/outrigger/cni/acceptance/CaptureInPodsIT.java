package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.cni.testing.Golden;
import io.outrigger.cni.testing.IptablesSave;
import io.outrigger.cni.testing.PluginImage;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real chain loopback, bridge + host-local, portmap, outrigger-cni (the built plugin image)
 * wires three pods: {@code client} is meshed, {@code server} and {@code bystander} are not. Real
 * packets then show what is captured and what bypasses capture.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaptureInPodsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Debian's interpreter: a pyenv shim under /root is not executable by the proxy user. */
  private static final String PYTHON =
      Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  private Path work;
  private Path probe;
  private Path log;
  private String hostBefore;
  private PodNetwork network;
  private NetnsPod server;
  private NetnsPod bystander;
  private NetnsPod client;

  @BeforeAll
  void wirePods() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local", "portmap");
    Prerequisites.requireCommand("python3");
    Prerequisites.requireCommand("iptables-save");
    work = Files.createTempDirectory("outrigger-cni-it");
    probe = PluginImage.worldReadableResource("netns/capture_probe.py", work);
    log = work.resolve("log/outrigger-cni.log");
    hostBefore = hostIptables();
    network = PodNetwork.create();
    server = network.addPod(chain(PodSpec.named("server")));
    bystander = network.addPod(chain(PodSpec.named("bystander")));
    client =
        network.addPod(
            chain(
                PodSpec.named("client")
                    .withAnnotations(
                        PluginImage.meshed(
                            Map.of(
                                "traffic.sidecar.istio.io/excludeOutboundPorts", "8081",
                                "traffic.sidecar.istio.io/excludeOutboundIPRanges",
                                    bystander.ip() + "/32",
                                "outrigger.io/excludeInboundPorts", "9001")))));
    listen(server, 8080, 8081);
    listen(bystander, 8080);
    listen(client, 15001, 15006, 9001);
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      if (network != null) {
        network.close();
      }
      if (hostBefore != null) {
        assertThat(hostIptables()).as("host iptables after every pod's DEL").isEqualTo(hostBefore);
      }
    } finally {
      if (work != null) {
        io.outrigger.cni.testing.TempDirs.delete(work);
      }
    }
  }

  private PodSpec chain(PodSpec spec) {
    var portmap =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("type", "portmap");
    portmap.putObject("capabilities").put("portMappings", true);
    return spec.withExtraPlugin(portmap, null)
        .withExtraPlugin(PluginImage.conf(log), PluginImage.binDir());
  }

  private void listen(NetnsPod pod, Integer... ports) {
    List<String> command = new java.util.ArrayList<>(List.of(PYTHON, probe.toString(), "listen"));
    for (Integer p : ports) {
      command.add(String.valueOf(p));
    }
    pod.start(command, false);
    for (Integer p : ports) {
      pod.awaitListening(p, TIMEOUT);
    }
  }

  private String probe(NetnsPod from, String ip, int port, boolean asProxyUser) {
    ExecResult r =
        from.exec(
            List.of(PYTHON, probe.toString(), "connect", ip, String.valueOf(port)),
            asProxyUser,
            TIMEOUT);
    assertThat(r.exitCode())
        .as("connect %s -> %s:%d: %s", from.name(), ip, port, r.stderr())
        .isZero();
    return r.stdout().strip();
  }

  private static String hostIptables() {
    StringBuilder sb = new StringBuilder();
    for (String tool : List.of("iptables-save", "ip6tables-save")) {
      ExecResult r = execHost(tool);
      sb.append(IptablesSave.normalise(r.stdout()));
    }
    return sb.toString();
  }

  private static ExecResult execHost(String... command) {
    var result = new io.outrigger.cni.capture.CommandRunner(TIMEOUT).run(List.of(command), null);
    return new ExecResult(result.exitCode(), result.stdout(), result.stderr());
  }

  @Test
  void meshedPodHasTheReviewedRulesAndTheHostNetnsIsUnchanged() {
    String podRules =
        IptablesSave.normalise(client.exec("iptables-save", "-t", "nat").stdout())
            .replace(bystander.ip() + "/32", "<BYSTANDER_IP>/32");
    Golden.assertMatches("pod/meshed-client.iptables-save", podRules);
    assertThat(client.exec("ip6tables-save", "-t", "nat").stdout())
        .as("no IPv6 address, no IPv6 rules")
        .doesNotContain("OUTRIGGER");
    assertThat(hostIptables()).as("host iptables after a meshed pod's ADD").isEqualTo(hostBefore);
  }

  @Test
  void outboundConnectionLandsOn15001WithItsOriginalDestination() {
    assertThat(probe(client, server.ip(), 8080, false))
        .isEqualTo("port=15001 orig=" + server.ip() + ":8080");
  }

  @Test
  void inboundConnectionLandsOn15006WithItsOriginalDestination() {
    assertThat(probe(server, client.ip(), 8080, false))
        .isEqualTo("port=15006 orig=" + client.ip() + ":8080");
  }

  @Test
  void trafficOfTheProxyUserBypassesCapture() {
    assertThat(probe(client, server.ip(), 8080, true))
        .isEqualTo("port=8080 orig=" + server.ip() + ":8080");
  }

  @Test
  void excludedPortsAndCidrsBypassCapture() {
    assertThat(probe(client, server.ip(), 8081, false))
        .as("excluded outbound port")
        .isEqualTo("port=8081 orig=" + server.ip() + ":8081");
    assertThat(probe(client, bystander.ip(), 8080, false))
        .as("excluded outbound CIDR")
        .isEqualTo("port=8080 orig=" + bystander.ip() + ":8080");
    assertThat(probe(server, client.ip(), 9001, false))
        .as("excluded inbound port")
        .isEqualTo("port=9001 orig=" + client.ip() + ":9001");
  }

  @Test
  void nonMeshedPodHasNoRuleAndWorkingNetworking() {
    assertThat(server.exec("iptables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");
    assertThat(probe(server, bystander.ip(), 8080, false))
        .isEqualTo("port=8080 orig=" + bystander.ip() + ":8080");
  }

  @Test
  void everyCallLeavesOneLogLine() throws Exception {
    List<String> lines = Files.readAllLines(log);
    assertThat(lines)
        .anyMatch(
            l ->
                l.contains("command=ADD")
                    && l.contains("pod=default/client")
                    && l.contains("decision=capture")
                    && l.contains("result=ok"));
    assertThat(lines)
        .anyMatch(
            l ->
                l.contains("command=ADD")
                    && l.contains("pod=default/server")
                    && l.contains("decision=skip(not-injected)"));
  }
}
