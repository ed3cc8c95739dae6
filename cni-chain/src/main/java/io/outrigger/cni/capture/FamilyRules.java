package io.outrigger.cni.capture;

import java.util.List;

/**
 * The nat-table rules of one address family: our chains and the {@code -A} lines, written in
 * exactly the form {@code iptables-save} prints them so that a CHECK can compare line by line.
 */
public record FamilyRules(IpFamily family, List<String> chains, List<String> rules) {
  public FamilyRules {
    chains = List.copyOf(chains);
    rules = List.copyOf(rules);
  }

  /**
   * Input for {@code iptables-restore --noflush} on a netns without our chains; fails whole if they
   * exist.
   */
  public String createText() {
    StringBuilder sb = new StringBuilder("*nat\n");
    for (String c : chains) {
      sb.append("-N ").append(c).append('\n');
    }
    lines(sb, rules);
    return sb.append("COMMIT\n").toString();
  }

  /**
   * Input for {@code iptables-restore --noflush}: declaring a chain creates it or flushes it, so
   * the transaction also replaces rules left by an earlier ADD; {@code removals} drop our earlier
   * jumps from the built-in chains in the same transaction.
   */
  public String restoreText(List<String> removals) {
    StringBuilder sb = new StringBuilder("*nat\n");
    lines(sb, removals);
    for (String c : chains) {
      sb.append(':').append(c).append(" - [0:0]\n");
    }
    lines(sb, rules);
    return sb.append("COMMIT\n").toString();
  }

  private static void lines(StringBuilder sb, List<String> lines) {
    for (String line : lines) {
      sb.append(line).append('\n');
    }
  }
}
