package io.outrigger.certs;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID ({@code spiffe://<trust-domain><path>}) checked against the SPIFFE ID spec:
 * lower-case trust domain, a path of non-empty segments without dot segments, no query, fragment,
 * port or user info.
 */
public record SpiffeId(String trustDomain, String path) {

  private static final String SCHEME = "spiffe://";
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  private static final int MAX_LENGTH = 2048;

  public SpiffeId {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(path, "path");
    if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
      throw new IllegalArgumentException(
          "SPIFFE ID: trust domain '"
              + trustDomain
              + "' must be lower-case letters, digits, '.', '-', '_'");
    }
    checkPath(trustDomain, path);
  }

  /**
   * Parses {@code spiffe://td/path}.
   *
   * @throws IllegalArgumentException naming the input and what is wrong with it
   */
  public static SpiffeId parse(String uri) {
    if (uri == null || !uri.startsWith(SCHEME)) {
      throw new IllegalArgumentException("SPIFFE ID '" + uri + "': must start with " + SCHEME);
    }
    if (uri.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("SPIFFE ID: longer than " + MAX_LENGTH + " characters");
    }
    if (uri.contains("?") || uri.contains("#")) {
      throw new IllegalArgumentException(
          "SPIFFE ID '" + uri + "': query and fragment are not allowed");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    if (trustDomain.isEmpty()) {
      throw new IllegalArgumentException("SPIFFE ID '" + uri + "': trust domain is empty");
    }
    try {
      return new SpiffeId(trustDomain, path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SPIFFE ID '" + uri + "': " + e.getMessage(), e);
    }
  }

  /**
   * Parses the SPIFFE ID of a mesh workload, {@code spiffe://<td>/ns/<ns>/sa/<sa>}: the only shape
   * the CA issues and sidecars hold.
   *
   * @throws IllegalArgumentException naming the input and what is wrong with it
   */
  public static SpiffeId parseWorkload(String uri) {
    SpiffeId id = parse(uri);
    id.requireWorkloadIdentity();
    return id;
  }

  /** The Istio-shaped identity {@code spiffe://<td>/ns/<ns>/sa/<sa>}. */
  public static SpiffeId of(String trustDomain, WorkloadIdentity id) {
    return new SpiffeId(trustDomain, "/ns/" + id.namespace() + "/sa/" + id.serviceAccount());
  }

  public String uri() {
    return SCHEME + trustDomain + path;
  }

  /**
   * The namespace and service account when the path is {@code /ns/<ns>/sa/<sa>} with valid names.
   */
  public Optional<WorkloadIdentity> workloadIdentity() {
    try {
      return Optional.of(requireWorkloadIdentity());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The namespace and service account of a workload's SPIFFE ID.
   *
   * @throws IllegalArgumentException when the path is not {@code /ns/<ns>/sa/<sa>} or a name is not
   *     a Kubernetes name, naming this ID and which
   */
  public WorkloadIdentity requireWorkloadIdentity() {
    String[] parts = path.split("/", -1);
    if (parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
      throw new IllegalArgumentException(
          "SPIFFE ID '"
              + uri()
              + "': not a workload identity, the path must be"
              + " /ns/<namespace>/sa/<service-account>"
              + (path.isEmpty() ? "" : ", not " + path));
    }
    try {
      return new WorkloadIdentity(parts[2], parts[4]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SPIFFE ID '" + uri() + "': " + e.getMessage(), e);
    }
  }

  private static void checkPath(String trustDomain, String path) {
    if (path.isEmpty()) {
      return;
    }
    if (!path.startsWith("/") || path.endsWith("/")) {
      throw new IllegalArgumentException(
          "SPIFFE ID in " + trustDomain + ": path '" + path + "' must start and not end with '/'");
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty()
          || segment.equals(".")
          || segment.equals("..")
          || !SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "SPIFFE ID in "
                + trustDomain
                + ": path segment '"
                + segment
                + "' must be non-empty, not '.' or '..', and use only letters, digits, '.', '-', '_'");
      }
    }
  }

  @Override
  public String toString() {
    return uri();
  }
}
