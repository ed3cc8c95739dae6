package io.outrigger.hostnet;

import io.outrigger.sidecar.ProxyUser;
import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a command so it runs in a network namespace and/or as another user (the proxy's, an app's),
 * as a container would.
 */
public final class NetnsCommand {

  private NetnsCommand() {}

  /**
   * {@code ip netns exec NS [setpriv --reuid=1337 ...] command}; both wrappers exec, so the PID is
   * the command's.
   */
  public static List<String> wrap(String netnsName, boolean asProxyUser, List<String> command) {
    return wrap(netnsName, asProxyUser ? ProxyUser.UID : -1, command);
  }

  /**
   * As {@link #wrap(String, boolean, List)} with any UID (its GID the same number); {@code uid <
   * 0}: as root.
   */
  public static List<String> wrap(String netnsName, int uid, List<String> command) {
    List<String> full = new ArrayList<>();
    if (netnsName != null) {
      full.addAll(List.of("ip", "netns", "exec", netnsName));
    }
    if (uid >= 0) {
      full.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    full.addAll(command);
    return full;
  }
}
