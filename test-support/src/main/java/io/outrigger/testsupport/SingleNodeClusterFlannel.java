package io.outrigger.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Flannel as the tier-5 node's primary CNI ({@link PrimaryCni#FLANNEL}): what a kube-flannel
 * install puts on a node, reproduced for a node whose "host" is a network namespace. flanneld runs
 * as a process in the node's netns (as kube-flannel's hostNetwork DaemonSet pod would), with the
 * kube subnet manager: kube-controller-manager allocates the node's {@code spec.podCIDR} from the
 * cluster CIDR ({@link #controllerManagerFlags}), flanneld reads it, writes {@link #SUBNET_FILE},
 * and the {@code flannel} CNI plugin reads that file and delegates to {@code bridge} (on {@link
 * #BRIDGE}) with host-local IPAM. The backend is host-gw: one node has no peer to route to, and it
 * needs no kernel module (vxlan would add {@code flannel.1}).
 */
final class SingleNodeClusterFlannel {

  /** flanneld's user (a static token), bound to {@link #RBAC}'s ClusterRole. */
  static final String USER = "outrigger-test-flannel";

  /** flanneld's network config (kube-flannel's {@code net-conf.json}), under the state dir. */
  static final String NET_CONF = "conf/flannel-net-conf.json";

  /**
   * Where flanneld writes the node's subnet and the plugin reads it: the default of both, a path
   * under /run that the teardown and scripts/host-state.sh know.
   */
  static final Path SUBNET_FILE = Path.of("/run/flannel/subnet.env");

  /**
   * The plugin's defaults, not under the state dir either: the delegate configs it saves per
   * container, and host-local's leases for network {@code cbr0}.
   */
  static final List<Path> CNI_DATA_DIRS =
      List.of(
          Path.of("/var/lib/cni/flannel"),
          Path.of("/var/lib/cni/networks", SingleNodeClusterFiles.FLANNEL_NETWORK));

  /** The bridge the delegated {@code bridge} plugin makes (its default name). */
  static final String BRIDGE = "cni0";

  /** What flanneld may do: read its node and set its annotations and NetworkUnavailable. */
  static final String RBAC =
      """
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      metadata: {name: %1$s}
      rules:
      - {apiGroups: [""], resources: [pods], verbs: [get]}
      - {apiGroups: [""], resources: [nodes], verbs: [get, list, watch]}
      - {apiGroups: [""], resources: [nodes/status], verbs: [patch]}
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRoleBinding
      metadata: {name: %1$s}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %1$s}
      subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %1$s}]
      """
          .formatted(USER);

  private SingleNodeClusterFlannel() {}

  /**
   * The flannel network: exactly the node's pod CIDR (the kube subnet manager takes the node's
   * podCIDR as it is and only checks that the network contains it), host-gw, iptables.
   */
  static String netConf() {
    return """
        {"Network": "%s", "EnableNFTables": false, "Backend": {"Type": "host-gw"}}
        """
        .formatted(SingleNodeCluster.POD_CIDR);
  }

  /**
   * kube-controller-manager allocates node podCIDRs: the cluster CIDR is the pod CIDR, one /24, so
   * the one node gets all of it.
   */
  static List<String> controllerManagerFlags() {
    return List.of(
        "--allocate-node-cidrs=true",
        "--cluster-cidr=" + SingleNodeCluster.POD_CIDR,
        "--node-cidr-mask-size=24");
  }

  /**
   * flanneld as kube-flannel's DaemonSet runs it (kube subnet manager, IP masquerade for traffic
   * leaving the pod network), with a kubeconfig instead of the pod's service account, and the
   * node's link to the machine as its "external" interface.
   */
  static List<String> flanneld(KubeNodeBinaries binaries, SingleNodeClusterFiles files) {
    return List.of(
        binaries.flannel().flanneld().toString(),
        "--kube-subnet-mgr",
        "--kubeconfig-file=" + files.kubeconfig("flannel"),
        "--net-config-path=" + files.dir().resolve(NET_CONF),
        "--iface=" + SingleNodeCluster.NODE_LINK,
        "--ip-masq");
  }

  /** Whether flanneld has written its lease (the node's subnet) where the plugin reads it. */
  static boolean subnetWritten() {
    try {
      return Files.isRegularFile(SUBNET_FILE)
          && Files.readString(SUBNET_FILE).contains("FLANNEL_SUBNET=");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
