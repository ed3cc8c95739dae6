package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostmode.manifest.PodPlan;
import io.outrigger.hostnet.PodSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the kubelet does for one pod, on this host: volumes, native sidecars (init containers with
 * {@code restartPolicy: Always}) started first and waited for, other init containers run to
 * completion, then the containers, each a {@link ContainerProcess}. Ready when every container runs
 * and passes its readiness probe.
 */
public final class PodRuntime implements AutoCloseable {
  /**
   * An app container without {@code runAsUser} runs as this unprivileged UID, never the proxy's
   * 1337.
   */
  public static final int DEFAULT_UID = 1000;

  static final String ENVOY_IN_IMAGE = "/usr/local/bin/envoy";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  private final PodPlan plan;
  private final String uid;
  private final PodSandbox sandbox;
  private final Path dir;
  private final PodHost host;
  private final List<ContainerProcess> processes = new ArrayList<>();
  private final ReadinessSchedule readiness = new ReadinessSchedule();
  private volatile boolean closed;

  private PodRuntime(PodPlan plan, String uid, PodSandbox sandbox, Path dir, PodHost host) {
    this.plan = plan;
    this.uid = uid;
    this.sandbox = sandbox;
    this.dir = dir;
    this.host = host;
  }

  /**
   * Starts every container of the pod in order; on failure stops what started (the sandbox stays
   * the caller's).
   */
  public static PodRuntime start(
      PodPlan plan, String uid, PodSandbox sandbox, Path dir, PodHost host) {
    PodRuntime pod = new PodRuntime(plan, uid, sandbox, dir, host);
    try {
      pod.startContainers();
      return pod;
    } catch (IOException | RuntimeException | InterruptedException e) {
      pod.stopProcesses();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(plan.describe() + ": " + e.getMessage(), e);
    }
  }

  public PodPlan plan() {
    return plan;
  }

  public PodSandbox sandbox() {
    return sandbox;
  }

  /** The UID {@code mesh exec} runs commands as: the first app container's. */
  public int appUid() {
    JsonNode c = plan.pod().path("spec").path("containers");
    for (JsonNode container : c) {
      if (!container.path("name").asText().equals("outrigger-proxy")) {
        return uid(container);
      }
    }
    return DEFAULT_UID;
  }

  /** Mount path → host directory of the first app container's volumes, for {@code mesh exec}. */
  public Map<String, String> appMounts() {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode c : plan.pod().path("spec").path("containers")) {
      if (!c.path("name").asText().equals("outrigger-proxy")) {
        c.path("volumeMounts")
            .forEach(
                m ->
                    out.put(
                        m.path("mountPath").asText(),
                        dir.resolve("volumes").resolve(m.path("name").asText()).toString()));
        break;
      }
    }
    return out;
  }

  /**
   * Every container runs (checked now) and passes its readiness probe (sent over the network when
   * due: see {@link ReadinessSchedule}).
   */
  public boolean probeReady() {
    if (closed || processes.isEmpty() || !processes.stream().allMatch(ContainerProcess::running)) {
      return false;
    }
    return readiness.allPass(sandbox.ip(), Instant.now());
  }

  public int restarts() {
    return processes.stream().mapToInt(ContainerProcess::restarts).sum();
  }

  private void startContainers() throws IOException, InterruptedException {
    JsonNode spec = plan.pod().path("spec");
    Files.createDirectories(dir.resolve("logs"));
    Map<String, Integer> owners = new HashMap<>();
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode c : spec.path(list)) {
        for (JsonNode m : c.path("volumeMounts")) {
          owners.putIfAbsent(m.path("name").asText(), uid(c));
        }
      }
    }
    Map<String, Path> volumes =
        PodVolumes.realize(plan.pod(), plan.namespace(), dir.resolve("volumes"), host, owners);
    String podRestart = spec.path("restartPolicy").asText("Always");
    for (JsonNode c : spec.path("initContainers")) {
      ContainerProcess p =
          new ContainerProcess(command(c, volumes, c.path("restartPolicy").asText(podRestart)));
      if ("Always".equals(c.path("restartPolicy").asText())) {
        processes.add(p);
        p.start();
        awaitStarted(c, p);
        addReadiness(c);
      } else {
        p.runToCompletion(START_TIMEOUT);
      }
    }
    for (JsonNode c : spec.path("containers")) {
      ContainerProcess p = new ContainerProcess(command(c, volumes, podRestart));
      processes.add(p);
      p.start();
      addReadiness(c);
      if (c.path("name").asText().equals("outrigger-proxy")) {
        // A sidecar that is not native: the injector's postStart hook would hold the app until
        // Envoy is ready.
        awaitStarted(c, p);
      }
    }
  }

  private void addReadiness(JsonNode c) {
    if (c.has("readinessProbe")) {
      readiness.add(Probes.of(c.path("readinessProbe")));
    }
  }

  /**
   * Waits for a sidecar's startup (else readiness) probe, as the kubelet does before the next
   * container.
   */
  private void awaitStarted(JsonNode c, ContainerProcess p) throws InterruptedException {
    JsonNode probeSpec = c.has("startupProbe") ? c.path("startupProbe") : c.path("readinessProbe");
    if (probeSpec.isMissingNode()) {
      return;
    }
    Probes.Probe probe = Probes.of(probeSpec);
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (probe.passes(sandbox.ip())) {
        return;
      }
      if (closed) {
        throw new IllegalStateException("stopped while starting");
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "container "
            + c.path("name").asText()
            + " (pid "
            + p.pid()
            + ") not started after "
            + START_TIMEOUT
            + ": "
            + probe
            + " fails (log: "
            + dir.resolve("logs").resolve(c.path("name").asText() + ".log")
            + ")");
  }

  private ContainerProcess.Command command(
      JsonNode c, Map<String, Path> volumes, String restartPolicy) {
    String name = c.path("name").asText();
    Map<String, String> mounts = new LinkedHashMap<>();
    List<JsonNode> sorted = new ArrayList<>();
    c.path("volumeMounts").forEach(sorted::add);
    sorted.sort(
        Comparator.comparingInt((JsonNode m) -> m.path("mountPath").asText().length()).reversed());
    for (JsonNode m : sorted) {
      mounts.put(m.path("mountPath").asText(), volumes.get(m.path("name").asText()).toString());
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOSTNAME", plan.name());
    env.put("HOME", "/tmp");
    for (JsonNode e : c.path("env")) {
      String value =
          e.has("valueFrom")
              ? field(e.path("valueFrom").path("fieldRef").path("fieldPath").asText())
              : expand(e.path("value").asText(""), env);
      env.put(e.path("name").asText(), mapPaths(value, mounts));
    }
    List<String> argv = new ArrayList<>();
    for (String field : List.of("command", "args")) {
      for (JsonNode arg : c.path(field)) {
        argv.add(mapPaths(expand(arg.asText(), env), mounts));
      }
    }
    if (argv.getFirst().equals(ENVOY_IN_IMAGE)) {
      argv.set(0, host.envoyBinary().toString());
    }
    String workingDir = c.path("workingDir").asText("");
    int uid = uid(c);
    int gid =
        c.path("securityContext")
            .path("runAsGroup")
            .asInt(plan.pod().path("spec").path("securityContext").path("runAsGroup").asInt(uid));
    return new ContainerProcess.Command(
        plan.namespace() + "/" + plan.name(),
        name,
        sandbox.netns(),
        uid,
        gid,
        argv,
        env,
        workingDir.isEmpty() ? Path.of("/") : Path.of(mapPaths(workingDir, mounts)),
        dir.resolve("logs").resolve(name + ".log"),
        restartPolicy);
  }

  private int uid(JsonNode c) {
    return c.path("securityContext")
        .path("runAsUser")
        .asInt(
            plan.pod().path("spec").path("securityContext").path("runAsUser").asInt(DEFAULT_UID));
  }

  private String field(String path) {
    JsonNode spec = plan.pod().path("spec");
    return switch (path) {
      case "metadata.name" -> plan.name();
      case "metadata.namespace" -> plan.namespace();
      case "metadata.uid" -> uid;
      case "status.podIP" -> sandbox.ip();
      case "status.hostIP" -> host.hostIp();
      case "spec.nodeName" -> "localhost";
      case "spec.serviceAccountName" ->
          spec.path("serviceAccountName").asText(spec.path("serviceAccount").asText("default"));
      default ->
          throw new IllegalArgumentException(
              "env fieldRef " + path + " is not supported in host mode");
    };
  }

  /**
   * Kubernetes' {@code $(VAR)} expansion from the container's env; unknown references stay as
   * written.
   */
  static String expand(String text, Map<String, String> env) {
    Matcher m = VAR.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
    }
    m.appendTail(out);
    return text.contains("$$") ? out.toString().replace("$$(", "$(") : out.toString();
  }

  /** A mount path (or a path under it) replaced with the volume's host directory. */
  static String mapPaths(String text, Map<String, String> mounts) {
    String out = text;
    for (Map.Entry<String, String> m : mounts.entrySet()) {
      String mount =
          m.getKey().endsWith("/") ? m.getKey().substring(0, m.getKey().length() - 1) : m.getKey();
      out = out.equals(mount) ? m.getValue() : out.replace(mount + "/", m.getValue() + "/");
    }
    return out;
  }

  private void stopProcesses() {
    for (ContainerProcess p : processes.reversed()) {
      p.stop();
    }
  }

  /** Stops the containers (the sandbox is closed by its owner). */
  @Override
  public void close() {
    closed = true;
    stopProcesses();
    try {
      io.outrigger.hostnet.TempFiles.deleteRecursively(dir.resolve("volumes"));
    } catch (UncheckedIOException e) {
      // Logs stay for the user; volumes hold tokens, removing them is best effort here and certain
      // at down.
    }
  }
}
