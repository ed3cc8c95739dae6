package io.outrigger.sidecar.bootstrap;

import java.util.Objects;

/** Where the sidecar dials the control plane: a host name or IP literal and a port. */
public record ControlPlaneAddress(String host, int port) {

  public ControlPlaneAddress {
    Objects.requireNonNull(host, "control plane host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("control plane address: host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "control plane address " + host + ": port " + port + " is outside 1..65535");
    }
  }

  /** Parses {@code host:port} (an IPv6 literal in brackets: {@code [::1]:15012}). */
  public static ControlPlaneAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          "control plane address '" + hostPort + "': expected host:port");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new ControlPlaneAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "control plane address '" + hostPort + "': port is not a number", e);
    }
  }

  /** True when the host is an IP literal, so Envoy needs no DNS to reach it. */
  public boolean isIpLiteral() {
    return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }

  /** The gRPC target URI, {@code host:port} (IPv6 in brackets). */
  public String target() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
