package io.outrigger.controlplane.registry;

/**
 * One config object as a registry read it: its identity, the parsed fabric8 object, where it came
 * from (a file name, "kubernetes") for error messages, and which kind of registry read it.
 */
public record ConfigObject(ObjectKey key, Object resource, String source, Origin origin) {

  /** Which kind of registry read an object; it decides where a Service's endpoints come from. */
  public enum Origin {
    /** A YAML file: a Service's endpoints are the serving workloads its selector matches. */
    FILE,
    /** The Kubernetes API: a Service's endpoints are what its EndpointSlices list. */
    KUBERNETES
  }

  public ConfigObject(ObjectKey key, Object resource, String source) {
    this(key, resource, source, Origin.FILE);
  }
}
