package io.outrigger.controlplane.telemetry;

import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.outrigger.controlplane.xds.ProxyAdmission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's metrics service ({@code envoy.stat_sinks.metrics_service}): each sidecar streams its
 * stats here over the same port, TLS and token as its ADS stream. The stream is admitted exactly
 * like ADS (the token's identity must be the claimed workload's), and bound to that proxy: a later
 * message naming another node ends the stream, so no sidecar reports for another workload.
 */
public final class MetricsSinkService extends MetricsServiceGrpc.MetricsServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(MetricsSinkService.class);

  private final ProxyAdmission admission;
  private final MeshTelemetry telemetry;

  public MetricsSinkService(ProxyAdmission admission, MeshTelemetry telemetry) {
    this.admission = admission;
    this.telemetry = telemetry;
  }

  @Override
  public StreamObserver<StreamMetricsMessage> streamMetrics(
      StreamObserver<StreamMetricsResponse> response) {
    return new StreamObserver<>() {
      private ConnectedProxy proxy;
      private boolean closed;

      @Override
      public void onNext(StreamMetricsMessage message) {
        if (closed) {
          return;
        }
        try {
          bind(message);
        } catch (StatusException e) {
          closed = true;
          log.warn(
              "event=metrics_stream_refused node={} reason=\"{}\"",
              message.getIdentifier().getNode().getId(),
              e.getStatus().getDescription());
          response.onError(e);
          return;
        }
        telemetry.record(proxy, message.getEnvoyMetricsList());
      }

      /**
       * The first message names the node (Envoy sends it once per stream); later ones may not
       * change it.
       */
      private void bind(StreamMetricsMessage message) throws StatusException {
        boolean named = message.hasIdentifier() && message.getIdentifier().hasNode();
        if (proxy == null) {
          if (!named) {
            throw Status.INVALID_ARGUMENT
                .withDescription("the first metrics message must carry the node identifier")
                .asException();
          }
          proxy = admission.admit(message.getIdentifier().getNode());
          telemetry.opened(proxy);
          log.info(
              "event=metrics_stream_opened proxy={} identity={} authenticated={}",
              proxy.id(),
              proxy.identity(),
              proxy.authenticated());
        } else if (named && !message.getIdentifier().getNode().getId().equals(proxy.id())) {
          throw Status.PERMISSION_DENIED
              .withDescription(
                  "metrics stream of proxy "
                      + proxy.id()
                      + " cannot report for node "
                      + message.getIdentifier().getNode().getId())
              .asException();
        }
      }

      @Override
      public void onError(Throwable t) {
        closed = true;
        log.debug(
            "event=metrics_stream_closed proxy={} cause=\"{}\"",
            proxy == null ? "" : proxy.id(),
            Status.fromThrowable(t).getCode());
      }

      @Override
      public void onCompleted() {
        closed = true;
        response.onNext(StreamMetricsResponse.getDefaultInstance());
        response.onCompleted();
      }
    };
  }
}
