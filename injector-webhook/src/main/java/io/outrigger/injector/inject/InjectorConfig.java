package io.outrigger.injector.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.sidecar.ControlPlanePorts;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the injector puts in a pod, read from {@code --config F} (YAML, every field optional).
 *
 * @param image the Envoy image of the sidecar
 * @param revision the control plane revision this webhook serves ({@code istio.io/rev} value)
 * @param controlPlaneNamespace never injected, like {@code kube-system}
 * @param controlPlaneAddress {@code host:port} of the control plane's TLS xDS port; by default the
 *     revision's own Service ({@link #serviceName}), so a revision's sidecars dial only it
 * @param controlPlaneServerName the name in the control plane's serving certificate
 * @param xdsApiType GRPC (state of the world) or DELTA_GRPC
 * @param nativeSidecar auto, on or off
 * @param apiServerVersion {@code major.minor} of the API server, for {@code auto}
 * @param resources the sidecar's requests and limits
 * @param rewriteAppProbes rewrite app probes to the sidecar's 15020 unless a pod says otherwise
 * @param holdApplicationUntilProxyStarts without native sidecars, start the app after Envoy is
 *     ready
 * @param logLevel Envoy's log level
 * @param extraNeverInjectNamespaces namespaces besides kube-system and the control plane's
 */
public record InjectorConfig(
    String image,
    String revision,
    String controlPlaneNamespace,
    String controlPlaneAddress,
    String controlPlaneServerName,
    XdsApiType xdsApiType,
    NativeSidecarMode nativeSidecar,
    String apiServerVersion,
    ProxyResources resources,
    Boolean rewriteAppProbes,
    Boolean holdApplicationUntilProxyStarts,
    String logLevel,
    List<String> extraNeverInjectNamespaces) {

  public InjectorConfig {
    image = or(image, "docker.io/envoyproxy/envoy:v1.40.0");
    revision = or(revision, "default");
    controlPlaneNamespace = or(controlPlaneNamespace, "outrigger-system");
    controlPlaneServerName =
        or(controlPlaneServerName, serviceHost(revision, controlPlaneNamespace));
    controlPlaneAddress =
        or(
            controlPlaneAddress,
            serviceHost(revision, controlPlaneNamespace) + ":" + ControlPlanePorts.XDS_TLS);
    xdsApiType = xdsApiType == null ? XdsApiType.GRPC : xdsApiType;
    nativeSidecar = nativeSidecar == null ? NativeSidecarMode.AUTO : nativeSidecar;
    apiServerVersion = or(apiServerVersion, "1.29");
    resources = resources == null ? ProxyResources.defaults() : resources;
    rewriteAppProbes = rewriteAppProbes == null || rewriteAppProbes;
    holdApplicationUntilProxyStarts =
        holdApplicationUntilProxyStarts == null || holdApplicationUntilProxyStarts;
    logLevel = or(logLevel, "warning");
    extraNeverInjectNamespaces =
        extraNeverInjectNamespaces == null ? List.of() : List.copyOf(extraNeverInjectNamespaces);
    ControlPlaneAddress.parse(controlPlaneAddress);
    apiServerMinor(apiServerVersion);
  }

  public static InjectorConfig defaults() {
    return new InjectorConfig(
        null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Reads a YAML config file; unknown keys are errors so a typo does not silently do nothing. */
  public static InjectorConfig load(Path file) {
    ObjectMapper mapper =
        KubeYaml.reader().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      InjectorConfig config = mapper.readValue(file.toFile(), InjectorConfig.class);
      return config == null ? defaults() : config;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "injector config " + file + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "injector config " + file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The Service in front of a revision's control plane: {@code outrigger}, or {@code
   * outrigger-REVISION}.
   */
  public static String serviceName(String revision) {
    return InjectionPolicy.DEFAULT_REVISION.equals(revision)
        ? "outrigger"
        : "outrigger-" + revision;
  }

  /** {@code outrigger[-REVISION].NAMESPACE.svc}: what a revision's sidecars dial and verify. */
  public static String serviceHost(String revision, String namespace) {
    return serviceName(revision) + "." + namespace + ".svc";
  }

  /**
   * Another revision; an address and server name that were the old revision's defaults follow it.
   */
  public InjectorConfig withRevision(String value) {
    String oldHost = serviceHost(revision, controlPlaneNamespace);
    String newHost = serviceHost(value, controlPlaneNamespace);
    return new InjectorConfig(
        image,
        value,
        controlPlaneNamespace,
        controlPlaneAddress.equals(oldHost + ":" + ControlPlanePorts.XDS_TLS)
            ? null
            : controlPlaneAddress,
        controlPlaneServerName.equals(oldHost) ? newHost : controlPlaneServerName,
        xdsApiType,
        nativeSidecar,
        apiServerVersion,
        resources,
        rewriteAppProbes,
        holdApplicationUntilProxyStarts,
        logLevel,
        extraNeverInjectNamespaces);
  }

  /**
   * The control plane sidecars dial ({@code host:port}) and the name its certificate must carry.
   */
  public InjectorConfig withControlPlane(String address, String serverName) {
    return new InjectorConfig(
        image,
        revision,
        controlPlaneNamespace,
        address,
        serverName,
        xdsApiType,
        nativeSidecar,
        apiServerVersion,
        resources,
        rewriteAppProbes,
        holdApplicationUntilProxyStarts,
        logLevel,
        extraNeverInjectNamespaces);
  }

  public InjectorConfig withNativeSidecar(NativeSidecarMode mode, String apiServer) {
    return new InjectorConfig(
        image,
        revision,
        controlPlaneNamespace,
        controlPlaneAddress,
        controlPlaneServerName,
        xdsApiType,
        mode,
        apiServer,
        resources,
        rewriteAppProbes,
        holdApplicationUntilProxyStarts,
        logLevel,
        extraNeverInjectNamespaces);
  }

  /** Namespaces the injector never touches, whatever their labels say. */
  public Set<String> neverInjectNamespaces() {
    Set<String> namespaces = new TreeSet<>(extraNeverInjectNamespaces);
    namespaces.add("kube-system");
    namespaces.add(controlPlaneNamespace);
    return namespaces;
  }

  /** True when the API server supports native sidecars by default (1.29+). */
  public boolean apiServerHasNativeSidecars() {
    int[] version = apiServerMinor(apiServerVersion);
    return version[0] > 1 || (version[0] == 1 && version[1] >= 29);
  }

  private static int[] apiServerMinor(String version) {
    String v = version.startsWith("v") ? version.substring(1) : version;
    String[] parts = v.split("\\.");
    try {
      return new int[] {
        Integer.parseInt(parts[0]), Integer.parseInt(parts[1].replaceAll("\\D.*", ""))
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "injector config: apiServerVersion '" + version + "' is not major.minor (e.g. 1.31)", e);
    }
  }

  private static String or(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}
