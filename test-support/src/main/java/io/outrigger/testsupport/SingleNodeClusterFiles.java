package io.outrigger.testsupport;

import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tier-5 cluster's processes are started with, all under its state directory: the PKI (a
 * CA and the certificates it signs, EC P-256, made by the real openssl), static bearer tokens, one
 * kubeconfig per component, and the kubelet, kube-proxy, containerd and CNI configuration (the
 * primary CNI's conflist, and for Flannel its network config). The addresses are {@link
 * SingleNodeCluster}'s.
 */
record SingleNodeClusterFiles(
    Path dir, PrimaryCni primary, Map<String, Path> kubeconfigs, String adminToken) {

  /**
   * The conflist Flannel's installer writes (kube-flannel's {@code cni-conf.json}), and its name.
   */
  static final String FLANNEL_CONFLIST = "10-flannel.conflist";

  /** The network name in Flannel's conflist: libcni and host-local name their files after it. */
  static final String FLANNEL_NETWORK = "cbr0";

  /** The identities with a static token, and the group each belongs to. */
  private static final Map<String, String[]> USERS = users();

  static SingleNodeClusterFiles create(Path dir, KubeNodeBinaries binaries, PrimaryCni primary) {
    try {
      for (String sub : List.of("pki", "conf", "cni/bin", "cni/net.d", "logs", "run")) {
        Files.createDirectories(dir.resolve(sub));
      }
      Path pki = dir.resolve("pki");
      makePki(pki);
      Map<String, Path> kubeconfigs = new LinkedHashMap<>();
      StringBuilder tokens = new StringBuilder();
      String adminToken = null;
      for (Map.Entry<String, String[]> user : USERS.entrySet()) {
        String token = randomToken();
        String[] userAndGroup = user.getValue();
        // token,user,uid,"group"
        tokens
            .append(token)
            .append(',')
            .append(userAndGroup[0])
            .append(',')
            .append(userAndGroup[0])
            .append(",\"")
            .append(userAndGroup[1])
            .append("\"\n");
        Path kubeconfig = pki.resolve(user.getKey() + ".kubeconfig");
        Files.writeString(kubeconfig, kubeconfig(pki.resolve("ca.crt"), token));
        kubeconfigs.put(user.getKey(), kubeconfig);
        if (user.getKey().equals("admin")) {
          adminToken = token;
        }
      }
      Files.writeString(pki.resolve("tokens.csv"), tokens.toString());
      writeConfigs(dir, binaries, primary);
      return new SingleNodeClusterFiles(dir, primary, Map.copyOf(kubeconfigs), adminToken);
    } catch (IOException e) {
      throw new UncheckedIOException("tier-5 cluster: cannot write its files under " + dir, e);
    }
  }

  Path pki(String name) {
    return dir.resolve("pki").resolve(name);
  }

  Path conf(String name) {
    return dir.resolve("conf").resolve(name);
  }

  Path kubeconfig(String component) {
    return kubeconfigs.get(component);
  }

  Path cniConfDir() {
    return dir.resolve("cni/net.d");
  }

  Path cniBinDir() {
    return dir.resolve("cni/bin");
  }

  /** The primary CNI's conflist: the first in {@link #cniConfDir}, the one containerd loads. */
  Path conflist() {
    return cniConfDir().resolve(conflistName(primary));
  }

  private static String conflistName(PrimaryCni primary) {
    return primary == PrimaryCni.FLANNEL ? FLANNEL_CONFLIST : SingleNodeCluster.CNI_CONFLIST;
  }

  Path containerdSocket() {
    return dir.resolve("containerd/containerd.sock");
  }

  Path log(String component) {
    return dir.resolve("logs").resolve(component + ".log");
  }

  private static Map<String, String[]> users() {
    Map<String, String[]> users = new LinkedHashMap<>();
    users.put("admin", new String[] {"outrigger-test-admin", "system:masters"});
    users.put(
        "kubelet", new String[] {"system:node:" + SingleNodeCluster.NODE_NAME, "system:nodes"});
    users.put(
        "kube-controller-manager",
        new String[] {"system:kube-controller-manager", "system:authenticated"});
    users.put("kube-scheduler", new String[] {"system:kube-scheduler", "system:authenticated"});
    users.put("kube-proxy", new String[] {"system:kube-proxy", "system:authenticated"});
    // flanneld's identity, bound to Flannel's ClusterRole (SingleNodeClusterFlannel.RBAC).
    users.put("flannel", new String[] {SingleNodeClusterFlannel.USER, "system:authenticated"});
    return users;
  }

  private static void makePki(Path pki) {
    String ca = pki.resolve("ca.crt").toString();
    String caKey = pki.resolve("ca.key").toString();
    openssl(
        "CA",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=outrigger-test-kube-ca",
        "-keyout",
        caKey,
        "-out",
        ca);
    signed(
        pki,
        "apiserver",
        "/CN=kube-apiserver",
        "subjectAltName=IP:127.0.0.1,IP:"
            + SingleNodeCluster.NODE_IP
            + ",IP:"
            + SingleNodeCluster.KUBERNETES_SERVICE_IP
            + ",DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
            + "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local");
    // The API server's client certificate towards the kubelet (exec, logs): system:masters may do
    // anything.
    signed(
        pki,
        "apiserver-kubelet-client",
        "/O=system:masters/CN=kube-apiserver-kubelet-client",
        null);
    openssl(
        "service-account key",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        pki.resolve("sa.key").toString());
    // --service-account-key-file reads public keys (or PKCS#1/SEC1 private keys), not PKCS#8 ones.
    openssl(
        "service-account public key",
        "pkey",
        "-in",
        pki.resolve("sa.key").toString(),
        "-pubout",
        "-out",
        pki.resolve("sa.pub").toString());
  }

  private static void signed(Path pki, String name, String subject, String extension) {
    String key = pki.resolve(name + ".key").toString();
    String csr = pki.resolve(name + ".csr").toString();
    String cert = pki.resolve(name + ".crt").toString();
    List<String> request =
        new ArrayList<>(
            List.of(
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                subject,
                "-keyout",
                key,
                "-out",
                csr));
    List<String> sign =
        new ArrayList<>(
            List.of(
                "x509",
                "-req",
                "-in",
                csr,
                "-days",
                "2",
                "-CA",
                pki.resolve("ca.crt").toString(),
                "-CAkey",
                pki.resolve("ca.key").toString(),
                "-CAcreateserial",
                "-out",
                cert));
    if (extension != null) {
      request.addAll(List.of("-addext", extension));
      sign.addAll(List.of("-copy_extensions", "copy"));
    }
    openssl(name + " key and request", request.toArray(String[]::new));
    openssl(name + " certificate", sign.toArray(String[]::new));
  }

  private static void openssl(String what, String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Commands.run(command).orThrow("openssl: " + what + " for the tier-5 cluster");
  }

  private static String kubeconfig(Path ca, String token) {
    return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: outrigger-test
                  cluster: {server: "%s", certificate-authority: "%s"}
                users:
                - name: user
                  user: {token: "%s"}
                contexts:
                - name: outrigger-test
                  context: {cluster: outrigger-test, user: user}
                current-context: outrigger-test
                """
        .formatted(SingleNodeCluster.API_SERVER_URL, ca, token);
  }

  private static void writeConfigs(Path dir, KubeNodeBinaries binaries, PrimaryCni primary)
      throws IOException {
    Path pki = dir.resolve("pki");
    Files.writeString(
        dir.resolve("conf/kubelet.yaml"),
        """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                address: %1$s
                port: 10250
                readOnlyPort: 0
                healthzBindAddress: 127.0.0.1
                healthzPort: 10248
                containerRuntimeEndpoint: unix://%2$s/containerd/containerd.sock
                cgroupDriver: cgroupfs
                authentication:
                  anonymous: {enabled: false}
                  webhook: {enabled: true}
                  x509: {clientCAFile: "%3$s"}
                authorization:
                  mode: Webhook
                clusterDomain: %4$s
                clusterDNS: [%5$s]
                resolvConf: /etc/resolv.conf
                podLogsDir: %2$s/run/pod-logs
                # Tests create and delete pods quickly: no image garbage collection, no eviction on a full disk.
                imageGCHighThresholdPercent: 100
                evictionHard: {}
                """
            .formatted(
                SingleNodeCluster.NODE_IP,
                dir,
                pki.resolve("ca.crt"),
                SingleNodeCluster.CLUSTER_DOMAIN,
                SingleNodeCluster.CLUSTER_DNS_IP));
    Files.writeString(
        dir.resolve("conf/kube-proxy.yaml"),
        """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                clientConnection: {kubeconfig: "%s"}
                hostnameOverride: %s
                healthzBindAddress: 127.0.0.1:10256
                metricsBindAddress: 127.0.0.1:10249
                mode: iptables
                clusterCIDR: %s
                # Leaves the node's conntrack sysctls alone (they are global to the machine, not the netns).
                conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
                iptables: {localhostNodePorts: false}
                """
            .formatted(
                pki.resolve("kube-proxy.kubeconfig"),
                SingleNodeCluster.NODE_NAME,
                SingleNodeCluster.POD_CIDR));
    Files.createDirectories(dir.resolve("containerd"));
    Files.writeString(
        dir.resolve("containerd/config.toml"),
        """
                version = 2
                root = "%1$s/containerd/root"
                state = "%1$s/containerd/state"
                oom_score = 0

                [grpc]
                  address = "%1$s/containerd/containerd.sock"

                [debug]
                  level = "info"

                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/containerd/opt"

                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  enable_selinux = false
                  disable_apparmor = true
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        BinaryName = "%3$s"
                        Root = "%1$s/containerd/runc"
                        SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%1$s/cni/bin"
                    conf_dir = "%1$s/cni/net.d"
                    max_conf_num = 1
                """
            .formatted(dir, NodeImages.PAUSE, binaries.runc()));
    for (String plugin : SingleNodeCluster.CNI_PLUGINS) {
      Path link = dir.resolve("cni/bin").resolve(plugin);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(
          link,
          Prerequisites.findCniPlugin(plugin)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "tier-5 cluster: CNI plugin "
                              + plugin
                              + " not found in "
                              + Prerequisites.cniPath())));
    }
    if (primary == PrimaryCni.FLANNEL) {
      // What kube-flannel's init containers do before flanneld runs: the plugin into the CNI bin
      // dir, the conflist into the conf dir. flanneld's network config is its ConfigMap's.
      Files.createSymbolicLink(dir.resolve("cni/bin/flannel"), binaries.flannel().cniPlugin());
      Files.writeString(
          dir.resolve(SingleNodeClusterFlannel.NET_CONF), SingleNodeClusterFlannel.netConf());
    }
    Files.writeString(
        dir.resolve("cni/net.d").resolve(conflistName(primary)), conflist(dir, primary, List.of()));
  }

  /** Writes the conflist atomically (containerd may read it at any moment). */
  void writeConflist(List<String> chained) {
    try {
      Path next = cniConfDir().resolve(".next");
      Files.writeString(next, conflist(dir, primary, chained));
      Files.move(next, conflist(), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "tier-5 cluster: cannot write the conflist in " + cniConfDir(), e);
    }
  }

  /**
   * The node's conflist: the primary's plugins, then the chained entries, where {@code
   * outrigger-cni} goes (it declares {@code io.kubernetes.cri.pod-annotations}). Bridge: {@code
   * bridge} (host-local IPAM on the pod CIDR) and {@code portmap}. Flannel: what its installer
   * writes, {@code flannel} (which reads flanneld's subnet file and delegates to {@code bridge} on
   * {@code cni0} with host-local IPAM on the node's podCIDR) and {@code portmap}, CNI 0.3.1.
   */
  static String conflist(Path dir, PrimaryCni primary, List<String> chained) {
    if (primary == PrimaryCni.FLANNEL) {
      StringBuilder plugins =
          new StringBuilder(
              """
                {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},
                {"type": "portmap", "capabilities": {"portMappings": true}}""");
      chained.forEach(entry -> plugins.append(",\n    ").append(entry.strip()));
      return """
          {
            "name": "%s",
            "cniVersion": "0.3.1",
            "plugins": [
          %s
            ]
          }
          """
          .formatted(FLANNEL_NETWORK, plugins);
    }
    StringBuilder plugins =
        new StringBuilder(
            """
                    {
                      "type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "%s", "gateway": "%s"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": "%s/cni/ipam"
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}"""
                .formatted(
                    SingleNodeCluster.BRIDGE,
                    SingleNodeCluster.POD_CIDR,
                    CidrBlock.parse(SingleNodeCluster.POD_CIDR).address(1),
                    dir));
    chained.forEach(entry -> plugins.append(",\n    ").append(entry.strip()));
    return """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                %s
                  ]
                }
                """
        .formatted(SingleNodeCluster.CNI_NETWORK, plugins);
  }

  private static String randomToken() {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  @Override
  public String toString() {
    // Never print the tokens.
    return "SingleNodeClusterFiles[" + dir + "]";
  }
}
