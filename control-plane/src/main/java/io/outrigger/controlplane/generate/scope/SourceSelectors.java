package io.outrigger.controlplane.generate.scope;

import io.outrigger.controlplane.model.ExportTo;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.L4RouteRule;
import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
 * holds the selectors its labels satisfy among those of VirtualServices exported to its namespace,
 * so proxies answering them alike share routes and listeners, and a mesh without such matches keeps
 * one scope for all. (A Sidecar's egress hosts may still hide such a VirtualService: the proxy then
 * gets a scope of its own with the same content, which is correct, only less shared.)
 *
 * @param selectors the distinct selectors, in a stable order, each with where it is used
 * @param inHttp whether some http match uses a selector (routes depend on them)
 * @param inL4 whether some tcp or tls match uses a selector (listeners depend on them)
 * @param l4SourceNamespace whether some tcp or tls match names a sourceNamespace (listeners depend
 *     on the proxy's namespace)
 */
public record SourceSelectors(
    List<Selector> selectors, boolean inHttp, boolean inL4, boolean l4SourceNamespace) {
  public static final SourceSelectors NONE = new SourceSelectors(List.of(), false, false, false);

  private static final Comparator<Selector> ORDER =
      Comparator.comparing(s -> new TreeMap<>(s.labels()).toString());

  /**
   * One selector and the VirtualServices using it.
   *
   * @param usedBy the namespace and exportTo of each
   */
  public record Selector(Map<String, String> labels, List<Map.Entry<String, ExportTo>> usedBy) {
    public Selector {
      labels = Map.copyOf(labels);
      usedBy = List.copyOf(usedBy);
    }

    boolean visibleTo(String namespace) {
      return usedBy.stream().anyMatch(u -> u.getValue().visibleTo(namespace, u.getKey()));
    }
  }

  public SourceSelectors {
    selectors = List.copyOf(selectors);
  }

  public static SourceSelectors of(MeshConfig mesh) {
    Map<Map<String, String>, Set<Map.Entry<String, ExportTo>>> uses = new LinkedHashMap<>();
    boolean inHttp = false;
    boolean inL4 = false;
    boolean l4Namespace = false;
    for (VirtualServiceConfig vs : mesh.virtualServices()) {
      Map.Entry<String, ExportTo> use = Map.entry(vs.namespace(), vs.exportTo());
      for (HttpMatch m : vs.http().stream().flatMap(r -> r.matches().stream()).toList()) {
        // Istio reads sourceLabels only on matches without gateways.
        if (!m.sourceLabels().isEmpty() && m.gateways().isEmpty()) {
          uses.computeIfAbsent(m.sourceLabels(), k -> new LinkedHashSet<>()).add(use);
          inHttp = true;
        }
      }
      for (L4RouteRule.L4Match m :
          Stream.concat(vs.tcp().stream(), vs.tls().stream())
              .flatMap(r -> r.matches().stream())
              .toList()) {
        if (!m.sourceLabels().isEmpty()) {
          uses.computeIfAbsent(m.sourceLabels(), k -> new LinkedHashSet<>()).add(use);
          inL4 = true;
        }
        l4Namespace |= m.sourceNamespace() != null;
      }
    }
    if (uses.isEmpty() && !l4Namespace) {
      return NONE;
    }
    List<Selector> sorted = new ArrayList<>();
    uses.forEach((labels, by) -> sorted.add(new Selector(labels, List.copyOf(by))));
    sorted.sort(ORDER);
    return new SourceSelectors(sorted, inHttp, inL4, l4Namespace);
  }

  /**
   * The selectors {@code workload}'s labels satisfy, of VirtualServices exported to its namespace,
   * in this value's order.
   */
  public List<Map<String, String>> satisfiedBy(Workload workload) {
    if (selectors.isEmpty()) {
      return List.of();
    }
    return selectors.stream()
        .filter(s -> Labels.matches(s.labels(), workload.labels()))
        .filter(s -> s.visibleTo(workload.namespace()))
        .map(Selector::labels)
        .toList();
  }
}
