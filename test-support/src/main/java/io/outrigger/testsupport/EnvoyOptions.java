package io.outrigger.testsupport;

import java.util.List;
import java.util.Objects;

/**
 * How to start one Envoy.
 *
 * @param bootstrapYaml the bootstrap (YAML or JSON); on the host, use port 0 for the admin and
 *     every listener
 * @param pod the pod whose network namespace Envoy runs in, or null for the host
 * @param runAsProxyUser run as UID/GID 1337, as the sidecar does (the capture rules exempt that
 *     owner)
 * @param logLevel Envoy's {@code -l} level
 * @param extraArgs further command-line flags
 */
public record EnvoyOptions(
    String bootstrapYaml,
    NetnsPod pod,
    boolean runAsProxyUser,
    String logLevel,
    List<String> extraArgs) {

  public static final String DEFAULT_LOG_LEVEL = "info";

  public EnvoyOptions {
    Objects.requireNonNull(bootstrapYaml, "bootstrapYaml");
    logLevel = logLevel == null ? DEFAULT_LOG_LEVEL : logLevel;
    extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
  }

  /** Envoy on the host, as the current user. */
  public static EnvoyOptions onHost(String bootstrapYaml) {
    return new EnvoyOptions(bootstrapYaml, null, false, DEFAULT_LOG_LEVEL, List.of());
  }

  /** Envoy in the pod's network namespace, as UID/GID 1337 like the sidecar. */
  public static EnvoyOptions inPod(NetnsPod pod, String bootstrapYaml) {
    return new EnvoyOptions(
        bootstrapYaml, Objects.requireNonNull(pod, "pod"), true, DEFAULT_LOG_LEVEL, List.of());
  }

  public EnvoyOptions withProxyUser(boolean asProxyUser) {
    return new EnvoyOptions(bootstrapYaml, pod, asProxyUser, logLevel, extraArgs);
  }

  public EnvoyOptions withLogLevel(String level) {
    return new EnvoyOptions(bootstrapYaml, pod, runAsProxyUser, level, extraArgs);
  }

  public EnvoyOptions withExtraArgs(String... args) {
    return new EnvoyOptions(bootstrapYaml, pod, runAsProxyUser, logLevel, List.of(args));
  }

  /** Where Envoy runs, for messages. */
  String where() {
    return (pod == null ? "host" : "pod " + pod.name()) + (runAsProxyUser ? " as uid 1337" : "");
  }
}
