package io.outrigger.testsupport;

import java.util.ArrayList;
import java.util.List;

/** Wraps a command so it runs in a network namespace and/or as the proxy user, as a container would. */
final class NetnsCommand {

    private NetnsCommand() {
    }

    /** {@code ip netns exec NS [setpriv --reuid=1337 ...] command}; both wrappers exec, so the PID is the command's. */
    static List<String> wrap(String netnsName, boolean asProxyUser, List<String> command) {
        List<String> full = new ArrayList<>();
        if (netnsName != null) {
            full.addAll(List.of("ip", "netns", "exec", netnsName));
        }
        if (asProxyUser) {
            full.addAll(List.of("setpriv", "--reuid=" + ProxyUserFiles.PROXY_UID, "--regid=" + ProxyUserFiles.PROXY_UID,
                    "--clear-groups"));
        }
        full.addAll(command);
        return full;
    }
}
