package io.outrigger.cni.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Destinations to capture: every address ({@code "*"}), or exactly the listed networks (possibly
 * none).
 */
public record CidrSelection(boolean all, List<Cidr> cidrs) {
  public CidrSelection {
    cidrs = List.copyOf(cidrs);
  }

  public static CidrSelection allAddresses() {
    return new CidrSelection(true, List.of());
  }

  public static CidrSelection only(List<Cidr> cidrs) {
    return new CidrSelection(false, cidrs);
  }

  /** The networks of one address family; "all" stays "all" for both families. */
  public CidrSelection family(boolean ipv6) {
    if (all) {
      return this;
    }
    List<Cidr> out = new ArrayList<>();
    for (Cidr c : cidrs) {
      if (c.ipv6() == ipv6) {
        out.add(c);
      }
    }
    return only(out);
  }
}
