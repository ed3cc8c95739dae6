package io.outrigger.controlplane.model;

/**
 * Why a config object (or a whole file) was rejected. {@code kind} is the object's kind, or "File"
 * when the file could not be read at all (then {@code name} is the file). {@code problem} says what
 * kind of mistake it is, so that {@code outrigger analyze} gives it a stable code without parsing
 * the message.
 */
public record ConfigError(
    String kind, String namespace, String name, String reason, Problem problem) {
  /** The sorts of rejection the registry and the converters tell apart. */
  public enum Problem {
    /** Not YAML, not a mapping, no apiVersion/kind/name. */
    UNPARSEABLE,
    /** The same kind/namespace/name twice. */
    DUPLICATE,
    /** A route to a host that is not a service of the mesh. */
    UNKNOWN_HOST,
    /** A route to a subset the host's DestinationRule does not define. */
    UNKNOWN_SUBSET,
    /** A route to a port the service lacks, or without a port where one is needed. */
    UNKNOWN_PORT,
    /** Route weights that do not sum to 100, or a negative one. */
    WEIGHTS,
    /** A field, value or apiVersion the mesh refuses rather than ignores. */
    UNSUPPORTED,
    /** Anything else that is wrong with the object. */
    INVALID
  }

  public ConfigError {
    problem = problem == null ? Problem.INVALID : problem;
  }

  public ConfigError(String kind, String namespace, String name, String reason) {
    this(kind, namespace, name, reason, Problem.INVALID);
  }

  /** "VirtualService default/reviews: route weights sum to 90, must be 100". */
  public String message() {
    String object = namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    return kind + " " + object + ": " + reason;
  }
}
