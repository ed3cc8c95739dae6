package io.outrigger.hostnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's network namespace, wired as containerd wires it: the loopback network, then the pod
 * network's chain (e.g. bridge + host-local, then {@code outrigger-cni} with the pod's annotations
 * in {@code runtimeConfig}). {@link #close} runs DEL in reverse and deletes the namespace. Host
 * mode's pods and the test harness's {@code NetnsPod} are both one.
 */
public final class PodSandbox implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String netns;
  private final CniChain loopback;
  private final CniChain chain;
  private final CniChain.PodRef lo;
  private final CniChain.PodRef eth0;
  private JsonNode result;

  private PodSandbox(
      String netns, CniChain loopback, CniChain chain, CniChain.PodRef lo, CniChain.PodRef eth0) {
    this.netns = netns;
    this.loopback = loopback;
    this.chain = chain;
    this.lo = lo;
    this.eth0 = eth0;
  }

  /** Creates the namespace and runs ADD; on failure undoes what was done and throws. */
  public static PodSandbox create(
      String netns,
      CniChain loopback,
      CniChain chain,
      String namespace,
      String name,
      Map<String, String> annotations) {
    Path path = Path.of("/var/run/netns", netns);
    PodSandbox sandbox =
        new PodSandbox(
            netns,
            loopback,
            chain,
            new CniChain.PodRef(netns, path, "lo", namespace, name, Map.of()),
            new CniChain.PodRef(netns, path, "eth0", namespace, name, annotations));
    Commands.run(List.of("ip", "netns", "add", netns))
        .orThrow("pod " + namespace + "/" + name + ": ip netns add");
    try {
      sandbox.loopback.add(sandbox.lo);
      sandbox.result = sandbox.chain.add(sandbox.eth0);
      sandbox.ip();
      return sandbox;
    } catch (RuntimeException e) {
      try {
        sandbox.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** loopback is its own network configuration, as containerd runs it. */
  public static CniChain loopbackChain(List<Path> pluginDirs) {
    return new CniChain(
        "cni-loopback", List.of(JSON.createObjectNode().put("type", "loopback")), pluginDirs);
  }

  public String netns() {
    return netns;
  }

  public Path netnsPath() {
    return Path.of("/var/run/netns", netns);
  }

  /** The chain's final ADD result (a copy). */
  public JsonNode result() {
    return result.deepCopy();
  }

  public String ip() {
    JsonNode ips = result == null ? null : result.path("ips");
    if (ips == null || ips.isEmpty()) {
      throw new IllegalStateException("CNI result of netns " + netns + " has no IP: " + result);
    }
    return ips.get(0).path("address").asText().split("/")[0];
  }

  /**
   * Kills what runs in it, DEL through the chains in reverse (even after a failed ADD, as a runtime
   * does), deletes it.
   */
  @Override
  public void close() {
    List<String> failures = new ArrayList<>(chain.delete(eth0, result));
    failures.addAll(loopback.delete(lo, null));
    ExecResult deleted = BridgeNetworks.deleteNetns(netns);
    if (!deleted.succeeded()) {
      failures.add("ip netns delete " + netns + ": " + deleted.stderr().strip());
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("netns " + netns + ": teardown failures: " + failures);
    }
  }
}
