package io.outrigger.injector.inject;

/** The sidecar's CPU and memory requests and limits, as Kubernetes quantities (null: not set). */
public record ProxyResources(
    String cpuRequest, String memoryRequest, String cpuLimit, String memoryLimit) {

  public static ProxyResources defaults() {
    return new ProxyResources("100m", "128Mi", "2000m", "1Gi");
  }
}
