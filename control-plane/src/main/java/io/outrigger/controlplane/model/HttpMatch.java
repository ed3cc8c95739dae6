package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * One HTTPMatchRequest: all of its conditions must hold. A null uri matches every path; {@code
 * headers} holds pseudo-headers too ({@code :method}, {@code :authority}, {@code :scheme}). {@code
 * port} 0 is any port and {@code sourceNamespace} null any client namespace: both are decided when
 * a proxy's routes are built (they are per port and per client namespace).
 */
public record HttpMatch(
    StringMatch uri,
    Map<String, StringMatch> headers,
    Map<String, StringMatch> queryParams,
    boolean ignoreUriCase,
    int port,
    String sourceNamespace) {
  public HttpMatch {
    headers = Map.copyOf(headers);
    queryParams = Map.copyOf(queryParams);
  }

  /** Path and headers only. */
  public HttpMatch(StringMatch uri, Map<String, StringMatch> headers) {
    this(uri, headers, Map.of(), false, 0, null);
  }

  public static HttpMatch any() {
    return new HttpMatch(null, Map.of());
  }

  /** Whether the match can hold on this route port for a client in {@code proxyNamespace}. */
  public boolean appliesTo(int routePort, String proxyNamespace) {
    return (port == 0 || port == routePort)
        && (sourceNamespace == null || sourceNamespace.equals(proxyNamespace));
  }
}
