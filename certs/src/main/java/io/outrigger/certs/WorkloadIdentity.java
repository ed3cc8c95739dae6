package io.outrigger.certs;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who a workload is in the mesh: its Kubernetes namespace and service account. This is what a
 * caller proves with its token and what its SVID names.
 */
public record WorkloadIdentity(String namespace, String serviceAccount) {

  // Kubernetes DNS-1123 label (namespace) and subdomain (service account) rules.
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SERVICE_ACCOUNT =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final String SA_USER_PREFIX = "system:serviceaccount:";

  public WorkloadIdentity {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException(
          "workload identity: namespace '"
              + namespace
              + "' is not a valid Kubernetes namespace name");
    }
    if (!SERVICE_ACCOUNT.matcher(serviceAccount).matches()) {
      throw new IllegalArgumentException(
          "workload identity "
              + namespace
              + "/"
              + serviceAccount
              + ": service account is not a valid Kubernetes name");
    }
  }

  /** The SPIFFE ID {@code spiffe://<trustDomain>/ns/<ns>/sa/<sa>} of this identity. */
  public SpiffeId spiffeId(String trustDomain) {
    return SpiffeId.of(trustDomain, this);
  }

  /** The Kubernetes user name of this service account: {@code system:serviceaccount:<ns>:<sa>}. */
  public String kubernetesUsername() {
    return SA_USER_PREFIX + namespace + ":" + serviceAccount;
  }

  /**
   * Reads a Kubernetes service-account user name ({@code system:serviceaccount:<ns>:<sa>}).
   *
   * @throws IllegalArgumentException naming the user when it is not a service account
   */
  public static WorkloadIdentity fromKubernetesUsername(String username) {
    if (username == null || !username.startsWith(SA_USER_PREFIX)) {
      throw new IllegalArgumentException(
          "user '"
              + username
              + "' is not a service account (expected system:serviceaccount:<ns>:<sa>)");
    }
    String[] parts = username.substring(SA_USER_PREFIX.length()).split(":", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "user '"
              + username
              + "' is not a service account (expected system:serviceaccount:<ns>:<sa>)");
    }
    return new WorkloadIdentity(parts[0], parts[1]);
  }

  @Override
  public String toString() {
    return namespace + "/" + serviceAccount;
  }
}
