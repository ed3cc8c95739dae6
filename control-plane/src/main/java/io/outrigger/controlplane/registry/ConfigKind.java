package io.outrigger.controlplane.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.outrigger.controlplane.registry.convert.InvalidConfigException;
import io.outrigger.controlplane.registry.convert.MeshLookup;
import java.util.List;
import java.util.Objects;

/**
 * One kind of object the mesh reads, whichever registry reads it: its API group and the versions
 * accepted (the first is the one a registry watches), the fabric8 type it parses into, and the
 * conversion to its model type, which is also its validation.
 *
 * @param group API group, empty for the core group
 * @param versions accepted versions, preferred first
 * @param needsLookup true: converted after every other kind, checked against the services and rules
 *     in force
 * @param converter fabric8 object to model object; null when the object is valid but has no effect
 */
public record ConfigKind<R extends HasMetadata>(
    String kind,
    String group,
    List<String> versions,
    Class<R> type,
    Class<?> modelType,
    boolean needsLookup,
    Converter<R> converter) {

  /**
   * Converts and validates one object of the kind; the exception's message is the reason a user
   * reads.
   */
  @FunctionalInterface
  public interface Converter<R> {
    Object convert(R resource, String namespace, MeshLookup lookup) throws InvalidConfigException;
  }

  public ConfigKind {
    Objects.requireNonNull(kind);
    Objects.requireNonNull(group);
    versions = List.copyOf(versions);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("config kind " + kind + ": no version");
    }
  }

  /** {@code group/version} of the preferred version ({@code v1} for the core group). */
  public String apiVersion() {
    return apiVersion(versions.get(0));
  }

  /** False for a cluster-scoped kind (Namespace): its objects have no namespace. */
  public boolean namespaced() {
    return Namespaced.class.isAssignableFrom(type);
  }

  /** True when an object written as {@code apiVersion} is one of this kind's accepted versions. */
  public boolean accepts(String apiVersion) {
    return versions.stream().anyMatch(v -> apiVersion(v).equals(apiVersion));
  }

  /**
   * True when {@code apiVersion} is in this kind's API group, whether or not its version is
   * accepted.
   */
  public boolean inGroup(String apiVersion) {
    return group.isEmpty() ? !apiVersion.contains("/") : apiVersion.startsWith(group + "/");
  }

  /** Converts an object of {@link #type()}; see {@link Converter}. */
  public Object convert(Object resource, String namespace, MeshLookup lookup)
      throws InvalidConfigException {
    return converter.convert(type.cast(resource), namespace, lookup);
  }

  private String apiVersion(String version) {
    return group.isEmpty() ? version : group + "/" + version;
  }

  @Override
  public String toString() {
    return kind + " (" + apiVersion() + ")";
  }
}
