package io.outrigger.sidecar.bootstrap;

/** The ADS flavour, named as Envoy's {@code ApiConfigSource.ApiType} names it. */
public enum XdsApiType {
  /** State of the world. */
  GRPC,
  /** Incremental (delta) xDS. */
  DELTA_GRPC
}
