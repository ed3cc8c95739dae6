package io.outrigger.cli.check;

import io.outrigger.cni.capture.CaptureException;
import io.outrigger.cni.capture.CommandRunner;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The preflight of a host for host mode ({@code outrigger mesh up}, {@code demo}, the tests): what
 * the CNI chain, the capture rules, the sidecars and the control plane need. Programs are looked up
 * on the given PATH and CNI_PATH, so a check of another environment (or a broken one, in tests) is
 * possible.
 */
public final class HostChecks {
  static final List<String> COMMANDS =
      List.of("ip", "nsenter", "iptables", "iptables-restore", "curl");
  static final List<String> CNI_PLUGINS = List.of("loopback", "bridge", "host-local");
  static final Path DEFAULT_CNI_DIR = Path.of("/usr/lib/cni");

  /** The control plane's ports (xDS plaintext, xDS TLS and CA, monitoring, webhook). */
  static final List<Integer> CONTROL_PLANE_PORTS = List.of(15010, 15012, 15014, 15017);

  static final String ENVOY_SERIES = "1.40";
  static final int MIN_JDK = 21;
  private static final Pattern ENVOY_VERSION = Pattern.compile("/(\\d+\\.\\d+\\.\\d+)/");
  private static final Pattern IPTABLES_VERSION =
      Pattern.compile("v(\\d+\\.\\d+\\.\\d+)(?: \\((\\w+)\\))?");

  private final Map<String, String> env;
  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(10));

  /**
   * @param env PATH, CNI_PATH and ENVOY_BIN are read from it
   */
  public HostChecks(Map<String, String> env) {
    this.env = env;
  }

  public List<Check> run() {
    List<Check> checks = new ArrayList<>();
    boolean root = isRoot();
    checks.add(
        root
            ? Check.ok("root", "running as uid 0")
            : Check.fail(
                "root",
                "running as uid " + uid(),
                "run as root (host mode creates network namespaces, "
                    + "iptables rules and runs Envoy as UID 1337)"));
    checks.add(commands());
    Optional<Path> iptables = onPath("iptables");
    checks.add(iptablesBackend(iptables));
    checks.add(natRedirect(root, iptables, onPath("ip")));
    checks.add(cniPlugins());
    checks.add(envoy());
    CONTROL_PLANE_PORTS.forEach(p -> checks.add(port(p)));
    checks.add(jdk());
    return checks;
  }

  private Check commands() {
    List<String> missing = COMMANDS.stream().filter(c -> onPath(c).isEmpty()).toList();
    return missing.isEmpty()
        ? Check.ok("commands", String.join(", ", COMMANDS) + " found")
        : Check.fail(
            "commands",
            String.join(", ", missing) + " not on PATH",
            "apt-get install iproute2 util-linux iptables curl");
  }

  private Check iptablesBackend(Optional<Path> iptables) {
    if (iptables.isEmpty()) {
      return Check.fail("iptables", "iptables not on PATH", "apt-get install iptables");
    }
    CommandRunner.Result r = run(List.of(iptables.get().toString(), "--version"));
    Matcher m = IPTABLES_VERSION.matcher(r.stdout());
    if (!r.ok() || !m.find()) {
      return Check.fail(
          "iptables",
          "'iptables --version' said: " + r.stdout().strip(),
          "apt-get install iptables");
    }
    String backend = m.group(2) == null ? "legacy" : m.group(2);
    return Check.ok("iptables", "iptables " + m.group(1) + ", " + backend + " backend");
  }

  /**
   * What outrigger-cni writes, tried for real: a REDIRECT rule in the nat table of a throwaway
   * network namespace (the host's own tables are not touched), removed again whatever happens.
   */
  private Check natRedirect(boolean root, Optional<Path> iptables, Optional<Path> ip) {
    String name = "nat-redirect";
    if (!root) {
      return Check.warn(name, "not tried: needs root", "run as root");
    }
    if (iptables.isEmpty() || ip.isEmpty()) {
      return Check.fail(
          name, "not tried: iptables or ip is missing", "apt-get install iptables iproute2");
    }
    String netns = "outrigger-check-" + ProcessHandle.current().pid();
    CommandRunner.Result add = run(List.of(ip.get().toString(), "netns", "add", netns));
    if (!add.ok()) {
      return Check.fail(
          name,
          "cannot create a network namespace: " + add.stdout().strip(),
          "run as root on a kernel with network namespaces");
    }
    try {
      CommandRunner.Result rule =
          run(
              List.of(
                  ip.get().toString(),
                  "netns",
                  "exec",
                  netns,
                  iptables.get().toString(),
                  "-t",
                  "nat",
                  "-A",
                  "OUTPUT",
                  "-p",
                  "tcp",
                  "--dport",
                  "15999",
                  "-j",
                  "REDIRECT",
                  "--to-ports",
                  "15001"));
      return rule.ok()
          ? Check.ok(
              name, "nat table and REDIRECT target work (tried in a scratch network namespace)")
          : Check.fail(
              name,
              "a nat REDIRECT rule was refused: " + rule.stdout().strip(),
              "load the kernel modules: modprobe iptable_nat xt_REDIRECT (or nft_redir for the nf_tables backend)");
    } finally {
      run(List.of(ip.get().toString(), "netns", "del", netns));
    }
  }

  private Check cniPlugins() {
    List<Path> dirs = cniDirs();
    List<String> missing =
        CNI_PLUGINS.stream()
            .filter(p -> dirs.stream().noneMatch(d -> Files.isExecutable(d.resolve(p))))
            .toList();
    String where = String.join(":", dirs.stream().map(Path::toString).toList());
    return missing.isEmpty()
        ? Check.ok("cni-plugins", String.join(", ", CNI_PLUGINS) + " in " + where)
        : Check.fail(
            "cni-plugins",
            String.join(", ", missing) + " missing in " + where,
            "apt-get install containernetworking-plugins (or set CNI_PATH to where they are)");
  }

  private List<Path> cniDirs() {
    String cniPath = env.get("CNI_PATH");
    if (cniPath == null || cniPath.isBlank()) {
      return List.of(DEFAULT_CNI_DIR);
    }
    return java.util.Arrays.stream(cniPath.split(File.pathSeparator))
        .filter(s -> !s.isEmpty())
        .map(Path::of)
        .toList();
  }

  private Check envoy() {
    String fromEnv = env.get("ENVOY_BIN");
    Optional<Path> envoy =
        fromEnv != null && !fromEnv.isBlank()
            ? Optional.of(Path.of(fromEnv)).filter(Files::isExecutable)
            : onPath("envoy");
    String fix =
        "run scripts/bootstrap.sh (it installs Envoy " + ENVOY_SERIES + ".x) or set ENVOY_BIN";
    if (envoy.isEmpty()) {
      return Check.fail(
          "envoy",
          fromEnv != null && !fromEnv.isBlank()
              ? "ENVOY_BIN=" + fromEnv + " is not an executable file"
              : "ENVOY_BIN is not set and envoy is not on PATH",
          fix);
    }
    CommandRunner.Result r = run(List.of(envoy.get().toString(), "--version"));
    Matcher m = ENVOY_VERSION.matcher(r.stdout());
    if (!r.ok() || !m.find()) {
      return Check.fail("envoy", envoy.get() + " --version failed: " + r.stdout().strip(), fix);
    }
    String version = m.group(1);
    return version.startsWith(ENVOY_SERIES + ".")
        ? Check.ok("envoy", "Envoy " + version + " (" + envoy.get() + ")")
        : Check.warn(
            "envoy",
            "Envoy " + version + ", the mesh is built and tested with " + ENVOY_SERIES + ".x",
            fix);
  }

  /**
   * Bound on all addresses: whatever holds the port on any address conflicts with a control plane
   * there.
   */
  private static Check port(int port) {
    String name = "port-" + port;
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(port));
      return Check.ok(name, "free");
    } catch (IOException e) {
      return Check.warn(
          name,
          "in use ("
              + e.getMessage()
              + "): a control plane started with the default ports "
              + "cannot bind it",
          "stop what holds it (ss -ltnp 'sport = :"
              + port
              + "') or give the control plane "
              + "other ports");
    }
  }

  private static Check jdk() {
    Runtime.Version v = Runtime.version();
    return v.feature() >= MIN_JDK
        ? Check.ok("jdk", "Java " + v + " (" + System.getProperty("java.home") + ")")
        : Check.fail(
            "jdk",
            "Java " + v + " is older than " + MIN_JDK,
            "install JDK " + MIN_JDK + " or later (scripts/bootstrap.sh finds one)");
  }

  private CommandRunner.Result run(List<String> command) {
    try {
      return runner.run(command, null);
    } catch (CaptureException e) {
      return new CommandRunner.Result(command, -1, e.getMessage(), e.getMessage());
    }
  }

  private Optional<Path> onPath(String program) {
    for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }

  static boolean isRoot() {
    return "0".equals(uid());
  }

  /** The real UID, from /proc (no JNI, no `id`). */
  static String uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.substring(4).strip().split("\\s+")[0];
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return "unknown";
  }
}
