package io.outrigger.sidecar.bootstrap;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything the sidecar bootstrap says about one proxy: who it is (the node), where the control
 * plane is, and how it proves itself there.
 *
 * @param nodeId Envoy node id, Istio's shape {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}
 * @param cluster Envoy node cluster, {@code <workload>.<ns>}
 * @param namespace the workload's namespace
 * @param podName the pod (or host-mode workload instance) name
 * @param workloadName the workload the pod belongs to (Deployment name, {@code app} label, ...)
 * @param serviceAccount the service account whose identity the proxy carries
 * @param labels the pod's labels, read by the control plane for subset and policy matching
 * @param instanceIp the pod's IP address
 * @param controlPlane the address the sidecar dials
 * @param transport TLS with a token, or plaintext (loopback and host mode only)
 * @param tokenFile the service-account token Envoy sends as {@code authorization: Bearer}; TLS only
 * @param rootCertFile the mesh root that verifies the control plane's certificate; TLS only
 * @param controlPlaneServerName the name the control plane's certificate carries, when it differs
 *     from the dialled host (dialled by IP, or through a Service alias); null to verify the host
 * @param apiType state of the world or delta ADS
 * @param outriggerVersion the mesh version, reported in node metadata
 * @param podUid the pod's UID (node metadata {@code POD_UID}), which the control plane compares
 *     with the pod a pod-bound token names; null when unknown (host mode, {@code outrigger
 *     bootstrap})
 */
public record BootstrapParams(
    String nodeId,
    String cluster,
    String namespace,
    String podName,
    String workloadName,
    String serviceAccount,
    Map<String, String> labels,
    String instanceIp,
    ControlPlaneAddress controlPlane,
    XdsTransport transport,
    Path tokenFile,
    Path rootCertFile,
    String controlPlaneServerName,
    XdsApiType apiType,
    String outriggerVersion,
    String podUid) {

  public BootstrapParams {
    requireText(nodeId, "node id");
    requireText(cluster, "cluster");
    requireText(namespace, "namespace");
    requireText(podName, "pod name");
    requireText(workloadName, "workload name");
    requireText(serviceAccount, "service account");
    requireText(instanceIp, "instance IP");
    requireText(outriggerVersion, "outrigger version");
    Objects.requireNonNull(controlPlane, "bootstrap for " + nodeId + ": control plane address");
    Objects.requireNonNull(transport, "bootstrap for " + nodeId + ": xDS transport");
    Objects.requireNonNull(apiType, "bootstrap for " + nodeId + ": xDS api type");
    labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    if (transport == XdsTransport.TLS_TOKEN && (tokenFile == null || rootCertFile == null)) {
      throw new IllegalArgumentException(
          "bootstrap for "
              + nodeId
              + ": TLS xDS needs both a token file and a root certificate file");
    }
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("sidecar bootstrap: " + what + " is missing");
    }
  }

  /** Istio's sidecar node id, which the control plane parses to find the proxy's pod. */
  public static String sidecarNodeId(String instanceIp, String podName, String namespace) {
    return "sidecar~"
        + instanceIp
        + "~"
        + podName
        + "."
        + namespace
        + "~"
        + namespace
        + ".svc.cluster.local";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds params, deriving the node id and cluster from the pod's coordinates when not given. */
  public static final class Builder {
    private String nodeId;
    private String cluster;
    private String namespace;
    private String podName;
    private String workloadName;
    private String serviceAccount = "default";
    private Map<String, String> labels = Map.of();
    private String instanceIp;
    private ControlPlaneAddress controlPlane;
    private XdsTransport transport = XdsTransport.TLS_TOKEN;
    private Path tokenFile;
    private Path rootCertFile;
    private String controlPlaneServerName;
    private XdsApiType apiType = XdsApiType.GRPC;
    private String outriggerVersion = SidecarBootstrap.runningVersion();
    private String podUid;

    private Builder() {}

    public Builder nodeId(String value) {
      nodeId = value;
      return this;
    }

    public Builder cluster(String value) {
      cluster = value;
      return this;
    }

    public Builder namespace(String value) {
      namespace = value;
      return this;
    }

    public Builder podName(String value) {
      podName = value;
      return this;
    }

    public Builder workloadName(String value) {
      workloadName = value;
      return this;
    }

    public Builder serviceAccount(String value) {
      serviceAccount = value;
      return this;
    }

    public Builder labels(Map<String, String> value) {
      labels = value;
      return this;
    }

    public Builder instanceIp(String value) {
      instanceIp = value;
      return this;
    }

    public Builder controlPlane(ControlPlaneAddress value) {
      controlPlane = value;
      return this;
    }

    public Builder transport(XdsTransport value) {
      transport = value;
      return this;
    }

    public Builder tokenFile(Path value) {
      tokenFile = value;
      return this;
    }

    public Builder rootCertFile(Path value) {
      rootCertFile = value;
      return this;
    }

    public Builder controlPlaneServerName(String value) {
      controlPlaneServerName = value;
      return this;
    }

    public Builder apiType(XdsApiType value) {
      apiType = value;
      return this;
    }

    public Builder outriggerVersion(String value) {
      outriggerVersion = value;
      return this;
    }

    public Builder podUid(String value) {
      podUid = value;
      return this;
    }

    public BootstrapParams build() {
      String workload = workloadName != null ? workloadName : podName;
      String id = nodeId != null ? nodeId : sidecarNodeId(instanceIp, podName, namespace);
      String clusterName = cluster != null ? cluster : workload + "." + namespace;
      return new BootstrapParams(
          id,
          clusterName,
          namespace,
          podName,
          workload,
          serviceAccount,
          labels,
          instanceIp,
          controlPlane,
          transport,
          tokenFile,
          rootCertFile,
          controlPlaneServerName,
          apiType,
          outriggerVersion,
          podUid);
    }
  }
}
