package io.outrigger.controlplane.model;

import java.util.Map;

/** One HTTPMatchRequest: all of its conditions must hold. A null uri matches every path. */
public record HttpMatch(StringMatch uri, Map<String, StringMatch> headers) {
  public HttpMatch {
    headers = Map.copyOf(headers);
  }

  public static HttpMatch any() {
    return new HttpMatch(null, Map.of());
  }
}
