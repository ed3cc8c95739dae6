package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.Cidr;

/** Literal IP checks that never fall back to a DNS lookup (InetAddress.getByName would). */
final class Addresses {
  private Addresses() {}

  static boolean isIpLiteral(String value) {
    return Cidr.isLiteral(value);
  }
}
