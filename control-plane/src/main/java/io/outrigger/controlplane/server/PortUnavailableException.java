package io.outrigger.controlplane.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * One of the control plane's ports could not be bound. It says which port and which address, and
 * the operating system's reason without the transport's wording (Netty's is "bind(..) failed with
 * error(-98): Address already in use"), so a command can name its option.
 */
public final class PortUnavailableException extends BindException {
  private static final long serialVersionUID = 1L;

  /** The control plane's ports, in the mesh's words. */
  public enum Port {
    XDS_PLAINTEXT("xDS plaintext port"),
    XDS_TLS("xDS TLS port"),
    MONITORING("monitoring port");

    private final String description;

    Port(String description) {
      this.description = description;
    }

    @Override
    public String toString() {
      return description;
    }
  }

  private final Port port;
  private final InetSocketAddress address;
  private final String reason;

  PortUnavailableException(Port port, InetSocketAddress address, IOException cause) {
    this(port, address, reason(cause));
    initCause(cause);
  }

  private PortUnavailableException(Port port, InetSocketAddress address, String reason) {
    super(port + " " + hostPort(address) + ": " + reason);
    this.port = port;
    this.address = address;
    this.reason = reason;
  }

  public Port port() {
    return port;
  }

  /** {@code ip:port}. */
  public String hostPort() {
    return hostPort(address);
  }

  /** What the operating system said, e.g. "address already in use". */
  public String reason() {
    return reason;
  }

  private static String hostPort(InetSocketAddress address) {
    String host =
        address.getAddress() == null
            ? address.getHostString()
            : address.getAddress().getHostAddress();
    return host + ":" + address.getPort();
  }

  // The innermost message is the OS's; transports prefix it with their own call ("bind(..) failed
  // ...: ").
  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int colon = message.lastIndexOf(": ");
    String text = colon < 0 ? message : message.substring(colon + 2);
    return text.isEmpty() ? message : Character.toLowerCase(text.charAt(0)) + text.substring(1);
  }
}
