package io.outrigger.injector.inject;

import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rendered bootstrap JSON by its parameters. The pods of one ReplicaSet, Job or StatefulSet
 * carry the same labels and workload, and the bootstrap names the pod only through {@code
 * $(POD_NAME)}-style references, so a scale-up renders the same string for every pod: rendering it
 * once per distinct input saves the largest piece of the injector's own work. Bounded, least
 * recently used first out, so a cluster with many workloads costs at most {@link #CAPACITY}
 * strings.
 */
final class BootstrapJsonCache {

  static final int CAPACITY = 512;

  private final SidecarBootstrap bootstrap;
  private final Map<BootstrapParams, String> rendered =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<BootstrapParams, String> eldest) {
          return size() > CAPACITY;
        }
      };

  BootstrapJsonCache(SidecarBootstrap bootstrap) {
    this.bootstrap = bootstrap;
  }

  String renderJson(BootstrapParams params) {
    synchronized (rendered) {
      String json = rendered.get(params);
      if (json != null) {
        return json;
      }
    }
    // Rendered outside the lock: two threads may both render a new key, which costs only time.
    String json = bootstrap.renderJson(params);
    synchronized (rendered) {
      rendered.put(params, json);
    }
    return json;
  }

  int size() {
    synchronized (rendered) {
      return rendered.size();
    }
  }
}
