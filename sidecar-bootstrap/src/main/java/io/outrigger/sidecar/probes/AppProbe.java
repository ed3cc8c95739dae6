package io.outrigger.sidecar.probes;

/**
 * An app probe the injector moved to the sidecar: kubelet calls {@code path} on the sidecar's
 * app-health port and the sidecar checks the app on {@code port} the way the original probe did
 * ({@code httpPath} for HTTP GET probes, {@code grpcService} for gRPC probes, empty otherwise).
 */
public record AppProbe(String path, Kind kind, int port, String httpPath, String grpcService) {
  public enum Kind {
    HTTP_GET,
    TCP_SOCKET,
    GRPC
  }

  public AppProbe {
    httpPath = httpPath == null || httpPath.isEmpty() ? "/" : httpPath;
    grpcService = grpcService == null ? "" : grpcService;
  }
}
