package io.outrigger.cni.install;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * On SIGTERM: is the installer being removed from the node (take our entry, binaries and kubeconfig
 * out), or replaced (a rolling upgrade, a restart: leave everything, so pods created meanwhile are
 * still set up by the old plugin until the new installer copies its own)? istio-cni answers the
 * same question the same way: its own DaemonSet gone, or marked for deletion, means removal.
 */
public interface RemovalCheck {

  /** The answer and why, for the log. */
  record Answer(boolean removed, String reason) {}

  Answer check();

  static RemovalCheck always() {
    return () -> new Answer(true, "--uninstall-on-exit=always");
  }

  static RemovalCheck never() {
    return () -> new Answer(false, "--uninstall-on-exit=never");
  }

  /**
   * Our DaemonSet decides. Absent (404) or with a deletionTimestamp: removal. Present: an upgrade
   * or a restart. 401 and 403 also mean removal: `helm uninstall` deletes the service account and
   * its role binding together with the DaemonSet, so by the time the pod is told to stop its token
   * may no longer be accepted, while in a rolling upgrade they all stay. Anything else (API server
   * unreachable, 5xx) keeps the entry: the cost of wrongly keeping it is a plugin left on a node,
   * the cost of wrongly removing it is meshed pods started without capture until the next installer
   * runs.
   */
  static RemovalCheck daemonSet(KubernetesClient client, String namespace, String name) {
    String what = "DaemonSet " + namespace + "/" + name;
    return () -> {
      try {
        DaemonSet ds = client.apps().daemonSets().inNamespace(namespace).withName(name).get();
        if (ds == null) {
          return new Answer(true, what + " is gone");
        }
        if (ds.getMetadata().getDeletionTimestamp() != null) {
          return new Answer(true, what + " is being deleted");
        }
        return new Answer(false, what + " is still there (upgrade or restart)");
      } catch (KubernetesClientException e) {
        if (e.getCode() == 401 || e.getCode() == 403) {
          return new Answer(
              true,
              what
                  + ": our credentials were revoked (HTTP "
                  + e.getCode()
                  + "), the release is being removed");
        }
        return new Answer(
            false, what + ": cannot tell (" + e.getMessage() + "), keeping the entry");
      }
    };
  }
}
