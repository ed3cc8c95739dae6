package io.outrigger.cni.testing;

import java.util.stream.Collectors;

/**
 * iptables-save output without what changes from run to run (comments with dates, packet counters).
 */
public final class IptablesSave {
  private IptablesSave() {}

  public static String normalise(String save) {
    return save.lines()
        .filter(l -> !l.startsWith("#"))
        .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]"))
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
