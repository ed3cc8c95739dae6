package io.outrigger.cni.capture;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes, removes and checks capture rules inside a network namespace, one {@code iptables-restore}
 * transaction per address family. If a later family fails, the families already written are removed
 * again: a pod never keeps half of its rules. The host netns is never touched (every tool runs in
 * the netns: {@link NetnsTool}).
 */
public final class CaptureApplier {
  private final NetnsTool tool;

  /** Tools run under {@code nsenter}, started by {@code runner}. */
  public CaptureApplier(CommandRunner runner) {
    this(new NsenterTool(runner));
  }

  public CaptureApplier(NetnsTool tool) {
    this.tool = tool;
  }

  /**
   * Replaces whatever capture rules the netns had with {@code rules}, atomically per family. The
   * common case (a fresh pod) costs one {@code iptables-restore} per family: the transaction
   * creates our chains with {@code -N}, which fails as a whole if they exist; only then is the
   * table read and the old rules replaced in a second transaction.
   */
  public void apply(Path netns, List<FamilyRules> rules) {
    apply(netns, rules, null);
  }

  /**
   * As {@link #apply(Path, List)}, running {@code meanwhile} (may be null) while the first
   * transaction's tool runs: the caller's own remaining work overlaps the tool's start and commit.
   * Whatever {@code meanwhile} throws is thrown after that tool has been collected.
   */
  public void apply(Path netns, List<FamilyRules> rules, Runnable meanwhile) {
    List<IpFamily> written = new ArrayList<>();
    Runnable pending = meanwhile;
    for (FamilyRules family : rules) {
      CommandRunner.Result r = restore(netns, family.family(), family.createText(), pending);
      pending = null;
      if (!r.ok()) {
        List<String> table = save(netns, family.family());
        if (!ourChains(table).isEmpty()) {
          r = restore(netns, family.family(), family.restoreText(jumpRemovals(table)));
        }
      }
      if (!r.ok()) {
        String rollback = rollback(netns, written);
        throw new CaptureException(
            "netns "
                + netns
                + ": cannot write "
                + family.family()
                + " capture rules: "
                + r.describe()
                + rollback);
      }
      written.add(family.family());
    }
  }

  /**
   * Removes every chain and jump of ours from both families; a netns without them is left as is.
   */
  public void remove(Path netns) {
    remove(netns, true);
  }

  /** As {@link #remove(Path)}, the IPv6 table only if {@code ipv6}. */
  public void remove(Path netns, boolean ipv6) {
    remove(netns, ipv6, true);
  }

  /**
   * As {@link #remove(Path, boolean)}. {@code likelyCaptured} only picks the cheaper order, never
   * what is removed: true tries the one transaction that deletes exactly what ADD writes (one tool
   * run when it was written), false reads the table first (one tool run when nothing is there,
   * where the transaction would fail and the table be read anyway).
   */
  public void remove(Path netns, boolean ipv6, boolean likelyCaptured) {
    remove(netns, ipv6, likelyCaptured, null);
  }

  /**
   * As {@link #remove(Path, boolean, boolean)}, running {@code meanwhile} (may be null) while the
   * first tool runs (see {@link #apply(Path, List, Runnable)}).
   */
  public void remove(Path netns, boolean ipv6, boolean likelyCaptured, Runnable meanwhile) {
    Runnable pending = meanwhile;
    for (IpFamily family : IpFamily.values()) {
      if (ipv6 || !family.ipv6()) {
        remove(netns, family, likelyCaptured, pending);
        pending = null;
      }
    }
    if (pending != null) {
      pending.run();
    }
  }

  /** The rendered rules that the netns does not have (empty when everything is in place). */
  public List<String> missing(Path netns, List<FamilyRules> rules) {
    List<String> missing = new ArrayList<>();
    for (FamilyRules family : rules) {
      List<String> present = new ArrayList<>(save(netns, family.family()));
      for (String rule : family.rules()) {
        if (!present.remove(rule)) {
          missing.add(family.family() + " " + rule);
        }
      }
    }
    return missing;
  }

  private static final String EXPECTED_REMOVAL = expectedRemoval();

  private static String expectedRemoval() {
    StringBuilder sb = new StringBuilder("*nat\n");
    sb.append("-D PREROUTING -p tcp -j ").append(CaptureRules.INBOUND).append('\n');
    sb.append("-D OUTPUT -p tcp -j ").append(CaptureRules.OUTPUT).append('\n');
    for (String c : CaptureRules.CHAINS) {
      sb.append("-F ").append(c).append('\n');
    }
    for (String c : CaptureRules.CHAINS) {
      sb.append("-X ").append(c).append('\n');
    }
    return sb.append("COMMIT\n").toString();
  }

  /** The nat table of one family, as iptables-save prints it. */
  public List<String> save(Path netns, IpFamily family) {
    return save(netns, family, null);
  }

  private List<String> save(Path netns, IpFamily family, Runnable meanwhile) {
    CommandRunner.Result r =
        run(netns, List.of(family.saveCommand(), "-t", "nat"), null, meanwhile);
    if (!r.ok()) {
      throw new CaptureException(
          "netns " + netns + ": cannot read " + family + " nat table: " + r.describe());
    }
    return r.stdout().lines().toList();
  }

  private void remove(Path netns, IpFamily family, boolean likelyCaptured, Runnable meanwhile) {
    // The common case of a captured pod in one tool run: a transaction deleting exactly what ADD
    // writes for a pod that captures both directions. It fails whole (nothing changed) when the
    // table holds anything else, a jump or a chain fewer or more than that; then the table is read
    // and what is there removed.
    if (likelyCaptured && restore(netns, family, EXPECTED_REMOVAL, meanwhile).ok()) {
      return;
    }
    List<String> table = likelyCaptured ? save(netns, family) : save(netns, family, meanwhile);
    List<String> lines = new ArrayList<>(jumpRemovals(table));
    List<String> chains = ourChains(table);
    // Flush all before deleting any: our chains jump to each other.
    for (String c : chains) {
      lines.add("-F " + c);
    }
    for (String c : chains) {
      lines.add("-X " + c);
    }
    if (lines.isEmpty()) {
      return;
    }
    CommandRunner.Result r =
        restore(netns, family, "*nat\n" + String.join("\n", lines) + "\nCOMMIT\n");
    if (!r.ok()) {
      throw new CaptureException(
          "netns " + netns + ": cannot remove " + family + " capture rules: " + r.describe());
    }
  }

  private CommandRunner.Result restore(Path netns, IpFamily family, String text) {
    return restore(netns, family, text, null);
  }

  private CommandRunner.Result restore(
      Path netns, IpFamily family, String text, Runnable meanwhile) {
    return run(netns, List.of(family.restoreCommand(), "-w", "5", "--noflush"), text, meanwhile);
  }

  /** Runs the tool, and {@code meanwhile} (if any) while it runs. */
  private CommandRunner.Result run(
      Path netns, List<String> command, String stdin, Runnable meanwhile) {
    if (meanwhile == null) {
      return tool.run(netns, command, stdin);
    }
    NetnsTool.Pending started = tool.start(netns, command, stdin);
    CommandRunner.Result r;
    try {
      meanwhile.run();
    } finally {
      r = started.finish();
    }
    return r;
  }

  private String rollback(Path netns, List<IpFamily> written) {
    try {
      for (IpFamily f : written) {
        remove(netns, f, true, null);
      }
      return written.isEmpty() ? "" : "; rules already written for " + written + " were removed";
    } catch (CaptureException e) {
      return "; removing the rules already written for "
          + written
          + " failed too: "
          + e.getMessage();
    }
  }

  /** The names of our chains in an iptables-save listing. */
  private static List<String> ourChains(List<String> table) {
    List<String> chains = new ArrayList<>();
    for (String line : table) {
      if (line.startsWith(":" + CaptureRules.CHAIN_PREFIX)) {
        chains.add(line.substring(1, line.indexOf(' ')));
      }
    }
    return chains;
  }

  /** Our jumps from the built-in chains, turned into deletions. */
  private static List<String> jumpRemovals(List<String> table) {
    List<String> out = new ArrayList<>();
    for (String line : table) {
      if (line.startsWith("-A ")
          && !line.startsWith("-A " + CaptureRules.CHAIN_PREFIX)
          && line.contains(" -j " + CaptureRules.CHAIN_PREFIX)) {
        out.add("-D " + line.substring(3));
      }
    }
    return out;
  }
}
