package io.outrigger.testsupport;

import java.nio.file.Path;

/**
 * Flannel for the tier-5 node ({@link PrimaryCni#FLANNEL}), both built by {@code
 * scripts/bootstrap.sh --tests} from their Go modules (scripts/flannel): flanneld, and Flannel's
 * CNI plugin (type {@code flannel}).
 */
public record FlannelBinaries(Path flanneld, Path cniPlugin) {}
