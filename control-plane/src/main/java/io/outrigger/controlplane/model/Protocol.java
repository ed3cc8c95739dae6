package io.outrigger.controlplane.model;

import java.util.Locale;

/** The application protocol of a service port, decided the way Istio decides it. */
public enum Protocol {
  HTTP,
  HTTP2,
  GRPC,
  TCP,
  TLS,
  HTTPS,
  MONGO,
  REDIS,
  MYSQL,
  UNSUPPORTED;

  /** HTTP ports get an HTTP connection manager and RDS; everything else is proxied as TCP. */
  public boolean isHttp() {
    return this == HTTP || this == HTTP2 || this == GRPC;
  }

  /**
   * HTTP/2 upstreams must be told so explicitly, Envoy defaults upstream connections to HTTP/1.1.
   */
  public boolean isHttp2() {
    return this == HTTP2 || this == GRPC;
  }

  /**
   * Istio's rule: {@code appProtocol} first, then the port name's prefix before the first dash
   * ({@code http-web}, {@code grpc}, ...). Anything unrecognised is treated as opaque TCP.
   */
  public static Protocol of(String portName, String appProtocol) {
    if (appProtocol != null && !appProtocol.isBlank()) {
      Protocol fromApp = parse(appProtocol);
      if (fromApp != UNSUPPORTED) {
        return fromApp;
      }
    }
    if (portName == null || portName.isBlank()) {
      return TCP;
    }
    int dash = portName.indexOf('-');
    Protocol fromName = parse(dash < 0 ? portName : portName.substring(0, dash));
    return fromName == UNSUPPORTED ? TCP : fromName;
  }

  /** A protocol by its Istio name ({@code HTTP}, {@code grpc}, ...); UNSUPPORTED when unknown. */
  public static Protocol parse(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "http" -> HTTP;
      case "http2", "kubernetes.io/h2c" -> HTTP2;
      case "grpc", "grpc-web" -> GRPC;
      case "tcp" -> TCP;
      case "tls" -> TLS;
      case "https" -> HTTPS;
      case "mongo" -> MONGO;
      case "redis" -> REDIS;
      case "mysql" -> MYSQL;
      default -> UNSUPPORTED;
    };
  }
}
