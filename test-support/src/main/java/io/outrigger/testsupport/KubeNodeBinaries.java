package io.outrigger.testsupport;

import java.nio.file.Path;

/**
 * The programs the tier-5 cluster runs: the tier-4 pair (kube-apiserver, etcd), the node's
 * Kubernetes programs and our pause program (built by {@code scripts/bootstrap.sh --tests} from
 * scripts/kubernetes), Debian's containerd, its runc shim and runc, the static busybox the test
 * pods' image is made of, and Flannel (null unless it was built and asked for: {@link
 * Prerequisites#requireKubeNode(PrimaryCni)}).
 */
public record KubeNodeBinaries(
    KubeApiServerBinaries apiServer,
    Path kubelet,
    Path controllerManager,
    Path scheduler,
    Path proxy,
    Path kubectl,
    Path pause,
    Path containerd,
    Path ctr,
    Path runc,
    Path busybox,
    FlannelBinaries flannel) {}
