package io.outrigger.sidecar;

/** The labels and annotations the injector reads and writes, Istio's names where they exist. */
public final class MeshKeys {

  /**
   * JSON written by the injector: what it added and for which revision. CNI and control plane read
   * it.
   */
  public static final String STATUS = "outrigger.io/status";

  /** Istio's injection status: a pod carrying it already has an istio-proxy. */
  public static final String ISTIO_STATUS = "sidecar.istio.io/status";

  /** Pod label or annotation, "true"/"false": overrides the namespace's choice. */
  public static final String INJECT = "sidecar.istio.io/inject";

  public static final String NAMESPACE_INJECTION = "outrigger.io/injection";

  /** The same as {@link #NAMESPACE_INJECTION}, spelled like Istio's {@code istio-injection}. */
  public static final String SHORT_NAMESPACE_INJECTION = "outrigger-injection";

  public static final String ISTIO_NAMESPACE_INJECTION = "istio-injection";
  public static final String REVISION = "outrigger.io/rev";
  public static final String ISTIO_REVISION = "istio.io/rev";

  /** Per-pod native sidecar override, "true"/"false". */
  public static final String NATIVE_SIDECAR = "outrigger.io/native-sidecar";

  public static final String ISTIO_NATIVE_SIDECAR = "sidecar.istio.io/nativeSidecar";

  public static final String REWRITE_PROBES = "sidecar.istio.io/rewriteAppHTTPProbers";

  /** The app's original probes as JSON keyed by the sidecar path that now answers them. */
  public static final String APP_PROBES = "outrigger.io/app-probes";

  public static final String PROXY_CPU = "sidecar.istio.io/proxyCPU";
  public static final String PROXY_MEMORY = "sidecar.istio.io/proxyMemory";
  public static final String PROXY_CPU_LIMIT = "sidecar.istio.io/proxyCPULimit";
  public static final String PROXY_MEMORY_LIMIT = "sidecar.istio.io/proxyMemoryLimit";
  public static final String PROXY_IMAGE = "sidecar.istio.io/proxyImage";

  public static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";
  public static final String PROMETHEUS_SCRAPE = "prometheus.io/scrape";
  public static final String PROMETHEUS_PORT = "prometheus.io/port";
  public static final String PROMETHEUS_PATH = "prometheus.io/path";
  public static final String TLS_MODE = "security.istio.io/tlsMode";

  private MeshKeys() {}
}
