package io.outrigger.controlplane.model;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One HTTPMatchRequest: all of its conditions must hold. A null uri matches every path; {@code
 * headers} holds pseudo-headers too ({@code :method}, {@code :authority}, {@code :scheme}). The
 * conditions on the client ({@code port} 0: any port, {@code sourceNamespace} null: any namespace,
 * {@code sourceLabels}, {@code gateways}) are decided when a proxy's routes are built, as Istio
 * does: routes are per port, per client namespace and per the sourceLabels selectors the client's
 * labels satisfy.
 *
 * @param sourceLabels labels the client workload must carry; empty: any client
 * @param gateways the match's own gateways; empty: those of its VirtualService (which reach this
 *     model only when they include sidecars)
 * @param withoutHeaders headers that must not match, sorted by name
 */
public record HttpMatch(
    StringMatch uri,
    Map<String, StringMatch> headers,
    Map<String, StringMatch> queryParams,
    boolean ignoreUriCase,
    int port,
    String sourceNamespace,
    Map<String, String> sourceLabels,
    List<String> gateways,
    List<WithoutHeader> withoutHeaders) {
  /** Istio's name for the sidecars in a {@code gateways} list. */
  public static final String MESH_GATEWAY = "mesh";

  public HttpMatch {
    headers = Map.copyOf(headers);
    queryParams = Map.copyOf(queryParams);
    sourceLabels = Map.copyOf(sourceLabels);
    gateways = List.copyOf(gateways);
    withoutHeaders =
        withoutHeaders.stream().sorted(Comparator.comparing(WithoutHeader::name)).toList();
  }

  /** Without conditions on the client's labels or gateways, nor withoutHeaders. */
  public HttpMatch(
      StringMatch uri,
      Map<String, StringMatch> headers,
      Map<String, StringMatch> queryParams,
      boolean ignoreUriCase,
      int port,
      String sourceNamespace) {
    this(
        uri,
        headers,
        queryParams,
        ignoreUriCase,
        port,
        sourceNamespace,
        Map.of(),
        List.of(),
        List.of());
  }

  /** Path and headers only. */
  public HttpMatch(StringMatch uri, Map<String, StringMatch> headers) {
    this(uri, headers, Map.of(), false, 0, null);
  }

  public static HttpMatch any() {
    return new HttpMatch(null, Map.of());
  }

  /**
   * A header condition that must not hold: with a {@code value}, the request must not carry the
   * header with a matching value (a missing header counts as empty, as in Istio); without one, the
   * request must not carry the header at all.
   */
  public record WithoutHeader(String name, StringMatch value) {}

  /**
   * Whether the match can hold on this route port for a sidecar in {@code proxyNamespace}, as
   * Istio's route generation decides it: a match naming gateways applies to sidecars only when they
   * include {@code mesh}, and then without looking at its sourceLabels and sourceNamespace (Istio
   * checks those only for matches without gateways).
   *
   * @param clientHas whether the client's labels include a sourceLabels selector
   */
  public boolean appliesTo(
      int routePort, String proxyNamespace, Predicate<Map<String, String>> clientHas) {
    if (port != 0 && port != routePort) {
      return false;
    }
    if (!gateways.isEmpty()) {
      return gateways.contains(MESH_GATEWAY);
    }
    return (sourceLabels.isEmpty() || clientHas.test(sourceLabels))
        && (sourceNamespace == null || sourceNamespace.equals(proxyNamespace));
  }
}
