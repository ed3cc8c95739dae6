package io.outrigger.istiocompat;

/** Where a client dials: a host name and the IP it resolves to (a service VIP, or a pod IP). */
record ServiceAddress(String host, String ip, int port) {
  /** reviews in bookinfo, at its VIP from {@code samples/bookinfo/services.yaml}. */
  static final ServiceAddress REVIEWS =
      new ServiceAddress("reviews.bookinfo.svc.cluster.local", "198.19.0.13", 9080);

  @Override
  public String toString() {
    return host + " (" + ip + "):" + port;
  }
}
