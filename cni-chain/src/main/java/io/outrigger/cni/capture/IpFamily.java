package io.outrigger.cni.capture;

import io.outrigger.sidecar.SidecarPorts;

/** An address family and the tools and loopback addresses that go with it. */
public enum IpFamily {
  IPV4(
      "iptables-restore",
      "iptables-save",
      "127.0.0.1/32",
      SidecarPorts.INBOUND_PASSTHROUGH_SOURCE + "/32"),
  IPV6("ip6tables-restore", "ip6tables-save", "::1/128", "::6/128");

  private final String restoreCommand;
  private final String saveCommand;
  private final String localhost;
  private final String inboundPassthroughSource;

  IpFamily(
      String restoreCommand,
      String saveCommand,
      String localhost,
      String inboundPassthroughSource) {
    this.restoreCommand = restoreCommand;
    this.saveCommand = saveCommand;
    this.localhost = localhost;
    this.inboundPassthroughSource = inboundPassthroughSource;
  }

  public String restoreCommand() {
    return restoreCommand;
  }

  public String saveCommand() {
    return saveCommand;
  }

  /** The loopback address Envoy talks to the app on; never captured. */
  public String localhost() {
    return localhost;
  }

  /** Envoy's inbound passthrough clusters bind this source (Istio's 127.0.0.6); never captured. */
  public String inboundPassthroughSource() {
    return inboundPassthroughSource;
  }

  public boolean ipv6() {
    return this == IPV6;
  }
}
