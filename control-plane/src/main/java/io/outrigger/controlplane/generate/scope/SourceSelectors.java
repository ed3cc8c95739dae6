package io.outrigger.controlplane.generate.scope;

import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.L4RouteRule;
import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The conditions on the client that the VirtualServices of one snapshot use, computed once per
 * snapshot: the distinct {@code sourceLabels} selectors of matches that can apply to sidecars, and
 * whether {@code tcp}/{@code tls} matches name a sourceNamespace. A proxy's {@link OutboundScope}
 * holds the selectors its labels satisfy, so proxies answering them alike share routes and
 * listeners, and a mesh without such matches keeps one scope for all.
 *
 * @param selectors the distinct selectors, in a stable order
 * @param inHttp whether some http match uses a selector (routes depend on them)
 * @param inL4 whether some tcp or tls match uses a selector (listeners depend on them)
 * @param l4SourceNamespace whether some tcp or tls match names a sourceNamespace (listeners depend
 *     on the proxy's namespace)
 */
public record SourceSelectors(
    List<Map<String, String>> selectors, boolean inHttp, boolean inL4, boolean l4SourceNamespace) {
  public static final SourceSelectors NONE = new SourceSelectors(List.of(), false, false, false);

  private static final Comparator<Map<String, String>> ORDER =
      Comparator.comparing(m -> new TreeMap<>(m).toString());

  public SourceSelectors {
    selectors = List.copyOf(selectors);
  }

  public static SourceSelectors of(MeshConfig mesh) {
    Set<Map<String, String>> selectors = new LinkedHashSet<>();
    boolean inHttp = false;
    boolean inL4 = false;
    boolean l4Namespace = false;
    for (VirtualServiceConfig vs : mesh.virtualServices()) {
      for (HttpMatch m : vs.http().stream().flatMap(r -> r.matches().stream()).toList()) {
        // Istio reads sourceLabels only on matches without gateways.
        if (!m.sourceLabels().isEmpty() && m.gateways().isEmpty()) {
          selectors.add(m.sourceLabels());
          inHttp = true;
        }
      }
      for (L4RouteRule.L4Match m :
          Stream.concat(vs.tcp().stream(), vs.tls().stream())
              .flatMap(r -> r.matches().stream())
              .toList()) {
        if (!m.sourceLabels().isEmpty()) {
          selectors.add(m.sourceLabels());
          inL4 = true;
        }
        l4Namespace |= m.sourceNamespace() != null;
      }
    }
    if (selectors.isEmpty() && !l4Namespace) {
      return NONE;
    }
    List<Map<String, String>> sorted = new ArrayList<>(selectors);
    sorted.sort(ORDER);
    return new SourceSelectors(sorted, inHttp, inL4, l4Namespace);
  }

  /** The selectors {@code workload}'s labels satisfy, in this value's order. */
  public List<Map<String, String>> satisfiedBy(Workload workload) {
    if (selectors.isEmpty()) {
      return List.of();
    }
    return selectors.stream().filter(s -> Labels.matches(s, workload.labels())).toList();
  }
}
