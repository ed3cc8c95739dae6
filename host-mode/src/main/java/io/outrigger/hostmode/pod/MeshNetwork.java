package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.CniChain;
import io.outrigger.hostnet.HostTools;
import io.outrigger.hostnet.SubnetLeases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mesh's pod network as containerd would configure it: bridge + host-local on the leased /24,
 * then outrigger-cni.
 */
public final class MeshNetwork {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MeshNetwork() {}

  /**
   * The mesh network's plugin list for lease {@code index}; {@code cniLog} is outrigger-cni's log
   * file.
   */
  public static List<ObjectNode> plugins(int index, CidrBlock subnet, Path cniLog) {
    ObjectNode bridge =
        JSON.createObjectNode()
            .put("type", "bridge")
            .put("bridge", BridgeNetworks.bridgeName(index))
            .put("isGateway", true)
            .put("ipMasq", false)
            .put("hairpinMode", true);
    ObjectNode ipam =
        bridge
            .putObject("ipam")
            .put("type", "host-local")
            .put("dataDir", SubnetLeases.dataDir(index).resolve("ipam").toString());
    ipam.putArray("ranges")
        .addArray()
        .addObject()
        .put("subnet", subnet.toString())
        .put("gateway", subnet.address(1));
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    ObjectNode outrigger =
        JSON.createObjectNode().put("type", "outrigger-cni").put("log_file", cniLog.toString());
    outrigger.putArray("exclude_namespaces").add("kube-system");
    outrigger.putObject("capabilities").put(CniChain.ANNOTATIONS_CAPABILITY, true);
    return List.of(bridge, outrigger);
  }

  /** The plugin directories: Debian's (CNI_PATH) and the outrigger-cni image the build made. */
  public static List<Path> pluginDirs() {
    List<Path> dirs = new ArrayList<>(HostTools.cniPath());
    dirs.add(
        HostTools.outriggerCniDir()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "outrigger-cni plugin not found: set OUTRIGGER_CNI_DIR or build it (./mvnw -pl cli -am package"
                            + " -DskipTests makes cni-chain/target/plugin-image)")));
    return dirs;
  }

  /** The chain of the mesh named {@code meshName} on lease {@code index}. */
  public static CniChain chain(
      String meshName, int index, CidrBlock subnet, Path cniLog, List<Path> pluginDirs) {
    return new CniChain("outrigger-" + meshName, plugins(index, subnet, cniLog), pluginDirs);
  }
}
