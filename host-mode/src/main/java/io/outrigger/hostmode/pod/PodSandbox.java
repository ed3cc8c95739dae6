package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.CniChain;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.HostTools;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.hostnet.CidrBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's network namespace, wired as containerd wires it: the loopback network, then the mesh's network
 * (bridge + host-local, then {@code outrigger-cni} with the pod's annotations in {@code runtimeConfig}, so the
 * capture rules come from the real plugin). {@link #close} runs DEL in reverse and deletes the namespace.
 */
public final class PodSandbox implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String netns;
    private final CniChain loopback;
    private final CniChain chain;
    private final CniChain.PodRef lo;
    private final CniChain.PodRef eth0;
    private JsonNode result;

    private PodSandbox(String netns, CniChain loopback, CniChain chain, CniChain.PodRef lo, CniChain.PodRef eth0) {
        this.netns = netns;
        this.loopback = loopback;
        this.chain = chain;
        this.lo = lo;
        this.eth0 = eth0;
    }

    /** The mesh network's plugin list for lease {@code index}; {@code cniLog} is outrigger-cni's log file. */
    public static List<ObjectNode> meshPlugins(int index, CidrBlock subnet, Path cniLog) {
        ObjectNode bridge = JSON.createObjectNode().put("type", "bridge").put("bridge", BridgeNetworks.bridgeName(index))
                .put("isGateway", true).put("ipMasq", false).put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam").put("type", "host-local")
                .put("dataDir", SubnetLeases.dataDir(index).resolve("ipam").toString());
        ipam.putArray("ranges").addArray().addObject().put("subnet", subnet.toString()).put("gateway", subnet.address(1));
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        ObjectNode outrigger = JSON.createObjectNode().put("type", "outrigger-cni").put("log_file", cniLog.toString());
        outrigger.putArray("exclude_namespaces").add("kube-system");
        outrigger.putObject("capabilities").put(CniChain.ANNOTATIONS_CAPABILITY, true);
        return List.of(bridge, outrigger);
    }

    /** The plugin directories: Debian's (CNI_PATH) and the outrigger-cni image the build made. */
    public static List<Path> pluginDirs() {
        List<Path> dirs = new ArrayList<>(HostTools.cniPath());
        dirs.add(HostTools.outriggerCniDir().orElseThrow(() -> new IllegalStateException(
                "outrigger-cni plugin not found: set OUTRIGGER_CNI_DIR or build it (./mvnw -pl cli -am package"
                        + " -DskipTests makes cni-chain/target/plugin-image)")));
        return dirs;
    }

    /** Creates the namespace and runs ADD; on failure undoes what was done and throws. */
    public static PodSandbox create(String netns, String networkName, List<ObjectNode> plugins, List<Path> pluginDirs,
                                    String namespace, String name, Map<String, String> annotations) {
        Path path = Path.of("/var/run/netns", netns);
        PodSandbox sandbox = new PodSandbox(netns,
                new CniChain("cni-loopback", List.of(JSON.createObjectNode().put("type", "loopback")), pluginDirs),
                new CniChain(networkName, plugins, pluginDirs),
                new CniChain.PodRef(netns, path, "lo", namespace, name, Map.of()),
                new CniChain.PodRef(netns, path, "eth0", namespace, name, annotations));
        Commands.run(List.of("ip", "netns", "add", netns)).orThrow("pod " + namespace + "/" + name + ": ip netns add");
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

    public String netns() {
        return netns;
    }

    public String ip() {
        JsonNode ips = result == null ? null : result.path("ips");
        if (ips == null || ips.isEmpty()) {
            throw new IllegalStateException("CNI result of netns " + netns + " has no IP: " + result);
        }
        return ips.get(0).path("address").asText().split("/")[0];
    }

    @Override
    public void close() {
        List<String> failures = new ArrayList<>(chain.delete(eth0, result));
        failures.addAll(loopback.delete(lo, null));
        BridgeNetworks.deleteNetns(netns);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("netns " + netns + ": CNI DEL failures: " + failures);
        }
    }
}
