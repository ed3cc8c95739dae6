package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.CniChain;
import io.outrigger.hostnet.PodSandbox;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test network of pods: one Linux bridge and a /24 of 198.18.0.0/15 of its own, each pod a
 * network namespace wired by the real CNI chain (loopback, then bridge + host-local, then any extra
 * plugins), as a container runtime would. {@link #close()} removes every pod (CNI DEL), the bridge
 * and the IPAM state; a shutdown hook does it if the JVM exits first, and a network left by a
 * killed JVM is swept when the next network is created.
 */
public final class PodNetwork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodNetwork.class);

  private final int index;
  private final CidrBlock subnet;
  private final Path dataDir;
  private final List<NetnsPod> pods = new ArrayList<>();
  private final AtomicInteger podSequence = new AtomicInteger();
  private final Thread shutdownHook =
      new Thread(this::closeQuietly, "outrigger-pod-network-shutdown");
  private boolean closed;

  private PodNetwork(int index) {
    this.index = index;
    this.subnet = SubnetLeases.subnet(index);
    this.dataDir = SubnetLeases.dataDir(index);
  }

  /**
   * Checks root, ip and the CNI plugins (failing under CI=true, else skipping), then leases a
   * subnet.
   */
  public static PodNetwork create() {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("ip");
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    PodNetwork network = new PodNetwork(SubnetLeases.acquire(PodNetwork::sweep));
    try {
      TempFiles.deleteRecursively(network.dataDir);
      Files.createDirectories(network.dataDir.resolve("logs"));
    } catch (IOException e) {
      SubnetLeases.release(network.index);
      throw new UncheckedIOException(
          "test network " + network.bridgeName() + ": cannot create " + network.dataDir, e);
    }
    Runtime.getRuntime().addShutdownHook(network.shutdownHook);
    LOG.info("event=network_created bridge={} subnet={}", network.bridgeName(), network.subnet);
    return network;
  }

  /** The bridge's address: the host side, reachable from every pod of this network. */
  public String gateway() {
    return subnet.address(1);
  }

  public CidrBlock subnet() {
    return subnet;
  }

  public String bridgeName() {
    return BridgeNetworks.bridgeName(index);
  }

  /**
   * Creates the pod's netns and runs CNI ADD through the chain; on failure, undoes what was done.
   */
  public synchronized NetnsPod addPod(PodSpec spec) {
    if (closed) {
      throw new IllegalStateException(
          "test network " + bridgeName() + ": closed, cannot add pod " + spec.name());
    }
    String netns =
        BridgeNetworks.netnsPrefix(index) + podSequence.incrementAndGet() + "-" + spec.name();
    NetnsPod pod =
        NetnsPod.create(this, spec, netns.length() > 48 ? netns.substring(0, 48) : netns);
    pods.add(pod);
    LOG.info(
        "event=pod_added network={} pod={}/{} ip={} netns={}",
        bridgeName(),
        spec.namespace(),
        spec.name(),
        pod.ip(),
        pod.netnsName());
    return pod;
  }

  public synchronized List<NetnsPod> pods() {
    return List.copyOf(pods);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<String> failures = new ArrayList<>();
    for (NetnsPod pod : List.copyOf(pods).reversed()) {
      try {
        pod.close();
      } catch (RuntimeException e) {
        failures.add(e.getMessage());
      }
    }
    sweep(index);
    SubnetLeases.release(index);
    LOG.info("event=network_removed bridge={} subnet={}", bridgeName(), subnet);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: this is the hook running.
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(
          "test network " + bridgeName() + ": teardown failures: " + failures);
    }
  }

  /**
   * The chain after loopback: bridge with host-local IPAM (state kept in this network's own dir).
   */
  CniChain mainChain(PodSpec spec) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode bridge =
        json.createObjectNode()
            .put("type", "bridge")
            .put("bridge", bridgeName())
            .put("isGateway", true)
            .put("ipMasq", false)
            .put("hairpinMode", true);
    ObjectNode ipam =
        bridge
            .putObject("ipam")
            .put("type", "host-local")
            .put("dataDir", dataDir.resolve("ipam").toString());
    ipam.putArray("ranges")
        .addArray()
        .addObject()
        .put("subnet", subnet.toString())
        .put("gateway", gateway());
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    List<ObjectNode> plugins = new ArrayList<>();
    plugins.add(bridge);
    plugins.addAll(spec.extraPlugins());
    List<Path> dirs = new ArrayList<>(Prerequisites.cniPath());
    dirs.addAll(spec.extraPluginDirs());
    return new CniChain(bridgeName(), plugins, dirs);
  }

  /** loopback is its own network configuration, as containerd runs it. */
  CniChain loopbackChain() {
    return PodSandbox.loopbackChain(Prerequisites.cniPath());
  }

  Path logDir() {
    return dataDir.resolve("logs");
  }

  synchronized void forget(NetnsPod pod) {
    pods.remove(pod);
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.warn("event=teardown_failed network={} reason={}", bridgeName(), e.getMessage());
    }
  }

  /** Removes whatever a network of this index may have left (see {@link BridgeNetworks#sweep}). */
  static void sweep(int index) {
    BridgeNetworks.sweep(index);
  }
}
