package io.outrigger.hostmode.supervisor;

import io.outrigger.hostmode.manifest.KubeObject;
import io.outrigger.hostmode.manifest.MeshPlanner;
import io.outrigger.hostnet.CidrBlock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Allocates a Service's {@code clusterIP} when the manifest has none, from 198.19.0.0/16 (never
 * 198.19.232.0/24, the tier-5 test cluster's). A Service keeps its VIP for the mesh's lifetime,
 * across applies.
 */
final class ServiceVips {
  private static final CidrBlock RESERVED = CidrBlock.parse("198.19.232.0/24");
  private static final int FIRST = 256 + 1;

  private final Map<KubeObject.Key, String> allocated = new HashMap<>();

  /** The VIP for every service: its own, the one it had, or a new one not used by any other. */
  synchronized Map<KubeObject.Key, String> assign(Collection<KubeObject> services) {
    Set<String> used = new HashSet<>();
    Map<KubeObject.Key, String> out = new HashMap<>();
    for (KubeObject s : services) {
      String own = s.body().path("spec").path("clusterIP").asText("");
      if (!own.isEmpty() && !own.equals("None")) {
        out.put(s.key(), own);
        used.add(own);
      }
    }
    for (KubeObject s : services) {
      String had = allocated.get(s.key());
      if (!out.containsKey(s.key()) && had != null && !used.contains(had)) {
        out.put(s.key(), had);
        used.add(had);
      }
    }
    int next = FIRST;
    for (KubeObject s : services) {
      if (out.containsKey(s.key())
          || s.body().path("spec").path("clusterIP").asText("").equals("None")) {
        continue;
      }
      String vip;
      do {
        vip = MeshPlanner.VIP_RANGE.address(next++);
      } while (used.contains(vip)
          || RESERVED.contains(vip)
          || vip.endsWith(".0")
          || vip.endsWith(".255"));
      out.put(s.key(), vip);
      used.add(vip);
    }
    allocated.clear();
    allocated.putAll(out);
    return out;
  }
}
