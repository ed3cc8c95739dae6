package io.outrigger.cni.capture;

import java.util.List;

/** Ports to capture: every port ({@code "*"}), or exactly the listed ones (possibly none). */
public record PortSelection(boolean all, List<Integer> ports) {
  public PortSelection {
    ports = List.copyOf(ports);
  }

  public static PortSelection allPorts() {
    return new PortSelection(true, List.of());
  }

  public static PortSelection only(List<Integer> ports) {
    return new PortSelection(false, ports);
  }

  public boolean none() {
    return !all && ports.isEmpty();
  }
}
