package io.outrigger.cni.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a pod's traffic capture (DESIGN.md "Traffic capture") as nat-table rules: Istio's
 * REDIRECT mode with our own chain names. A pure function, shared by the CNI plugin and {@code
 * outrigger capture apply}, and golden-file tested.
 */
public final class CaptureRules {
  public static final String INBOUND = "OUTRIGGER_INBOUND";
  public static final String IN_REDIRECT = "OUTRIGGER_IN_REDIRECT";
  public static final String OUTPUT = "OUTRIGGER_OUTPUT";
  public static final String REDIRECT = "OUTRIGGER_REDIRECT";

  /** Every chain we own; anything named so in a pod's nat table is ours to remove. */
  public static final List<String> CHAINS = List.of(INBOUND, IN_REDIRECT, OUTPUT, REDIRECT);

  public static final String CHAIN_PREFIX = "OUTRIGGER_";

  private CaptureRules() {}

  /** IPv4 rules always; IPv6 rules too when the pod has an IPv6 address. */
  public static List<FamilyRules> render(CaptureConfig config) {
    List<FamilyRules> out = new ArrayList<>();
    out.add(render(config, IpFamily.IPV4));
    if (config.ipv6()) {
      out.add(render(config, IpFamily.IPV6));
    }
    return List.copyOf(out);
  }

  /** The rules of one family; CIDRs of the other family in the annotations are left out. */
  public static FamilyRules render(CaptureConfig c, IpFamily family) {
    List<String> rules = new ArrayList<>();
    rules.add("-A " + REDIRECT + " -p tcp -j REDIRECT --to-ports " + c.outboundCapturePort());
    rules.add("-A " + IN_REDIRECT + " -p tcp -j REDIRECT --to-ports " + c.inboundCapturePort());
    inbound(c, rules);
    outbound(c, family, rules);
    return new FamilyRules(family, CHAINS, rules);
  }

  private static void inbound(CaptureConfig c, List<String> rules) {
    if (c.inboundPorts().none()) {
      return; // Istio: an empty include list turns inbound capture off entirely.
    }
    rules.add("-A PREROUTING -p tcp -j " + INBOUND);
    List<Integer> excluded = new ArrayList<>(CaptureConfig.SIDECAR_INBOUND_PORTS);
    for (Integer p : c.excludeInboundPorts()) {
      if (!excluded.contains(p)) {
        excluded.add(p);
      }
    }
    for (Integer p : excluded) {
      rules.add(dport(INBOUND, p, "RETURN"));
    }
    if (c.inboundPorts().all()) {
      rules.add("-A " + INBOUND + " -p tcp -j " + IN_REDIRECT);
    } else {
      for (Integer p : c.inboundPorts().ports()) {
        if (!excluded.contains(p)) {
          rules.add(dport(INBOUND, p, IN_REDIRECT));
        }
      }
    }
  }

  private static void outbound(CaptureConfig c, IpFamily family, List<String> rules) {
    CidrSelection include = c.outboundCidrs().family(family.ipv6());
    boolean captures =
        include.all() || !include.cidrs().isEmpty() || !c.includeOutboundPorts().isEmpty();
    if (!captures) {
      return;
    }
    rules.add("-A OUTPUT -p tcp -j " + OUTPUT);
    for (Integer p : c.excludeOutboundPorts()) {
      rules.add(dport(OUTPUT, p, "RETURN"));
    }
    rules.add("-A " + OUTPUT + " -s " + family.inboundPassthroughSource() + " -o lo -j RETURN");
    ownerRules(rules, family, "--uid-owner " + c.proxyUid());
    ownerRules(rules, family, "--gid-owner " + c.proxyGid());
    rules.add("-A " + OUTPUT + " -d " + family.localhost() + " -j RETURN");
    for (Integer p : c.includeOutboundPorts()) {
      rules.add(dport(OUTPUT, p, REDIRECT));
    }
    for (Cidr cidr : c.excludeOutboundCidrs()) {
      if (cidr.ipv6() == family.ipv6()) {
        rules.add("-A " + OUTPUT + " -d " + cidr + " -j RETURN");
      }
    }
    if (include.all()) {
      rules.add("-A " + OUTPUT + " -j " + REDIRECT);
    } else {
      for (Cidr cidr : include.cidrs()) {
        rules.add("-A " + OUTPUT + " -d " + cidr + " -j " + REDIRECT);
      }
    }
  }

  /**
   * The proxy's own traffic: to the pod's own address over lo it is inbound traffic for the local
   * app (goes to 15006); anything else it sends leaves uncaptured. Other users' traffic over lo is
   * local.
   */
  private static void ownerRules(List<String> rules, IpFamily family, String owner) {
    String notOwner = owner.replace("--", "! --");
    rules.add(
        "-A "
            + OUTPUT
            + " ! -d "
            + family.localhost()
            + " -o lo -m owner "
            + owner
            + " -j "
            + IN_REDIRECT);
    rules.add("-A " + OUTPUT + " -o lo -m owner " + notOwner + " -j RETURN");
    rules.add("-A " + OUTPUT + " -m owner " + owner + " -j RETURN");
  }

  private static String dport(String chain, int port, String target) {
    return "-A " + chain + " -p tcp -m tcp --dport " + port + " -j " + target;
  }
}
