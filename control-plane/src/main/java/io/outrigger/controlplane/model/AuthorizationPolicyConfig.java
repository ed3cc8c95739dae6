package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A validated AuthorizationPolicy. An empty selector makes it namespace-wide (mesh-wide in the root
 * namespace); a policy in the root namespace with a selector applies to matching workloads of every
 * namespace, as in Istio. No rules: the policy matches nothing (an ALLOW policy without rules
 * therefore denies everything); an empty rule matches everything.
 */
public record AuthorizationPolicyConfig(
    String namespace, String name, Map<String, String> selector, Action action, List<Rule> rules) {
  public enum Action {
    ALLOW,
    DENY,
    AUDIT
  }

  public AuthorizationPolicyConfig {
    Objects.requireNonNull(action);
    selector = Map.copyOf(selector);
    rules = List.copyOf(rules);
  }

  /**
   * True when the policy applies to {@code workload} in a mesh whose root namespace is {@code
   * rootNamespace}.
   */
  public boolean appliesTo(Workload workload, String rootNamespace) {
    boolean inScope = namespace.equals(workload.namespace()) || namespace.equals(rootNamespace);
    return inScope && (selector.isEmpty() || Labels.matches(selector, workload.labels()));
  }

  /**
   * One rule: it matches when any source of {@code from}, any operation of {@code to} and every
   * condition of {@code when} match (an empty list matches anything).
   */
  public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
    public Rule {
      from = List.copyOf(from);
      to = List.copyOf(to);
      when = List.copyOf(when);
    }
  }

  /**
   * Who calls; every non-empty field must match, any value of a field may. {@code
   * requestPrincipals} are {@code ISS/SUB} of a JWT verified by a RequestAuthentication (HTTP
   * only).
   */
  public record Source(
      List<String> principals,
      List<String> notPrincipals,
      List<String> namespaces,
      List<String> notNamespaces,
      List<String> ipBlocks,
      List<String> notIpBlocks,
      List<String> requestPrincipals,
      List<String> notRequestPrincipals) {
    public Source {
      requestPrincipals = List.copyOf(requestPrincipals);
      notRequestPrincipals = List.copyOf(notRequestPrincipals);
      principals = List.copyOf(principals);
      notPrincipals = List.copyOf(notPrincipals);
      namespaces = List.copyOf(namespaces);
      notNamespaces = List.copyOf(notNamespaces);
      ipBlocks = List.copyOf(ipBlocks);
      notIpBlocks = List.copyOf(notIpBlocks);
    }

    public boolean hasHttpFields() {
      return !requestPrincipals.isEmpty() || !notRequestPrincipals.isEmpty();
    }

    public Source withoutHttpFields() {
      return new Source(
          principals,
          notPrincipals,
          namespaces,
          notNamespaces,
          ipBlocks,
          notIpBlocks,
          List.of(),
          List.of());
    }
  }

  /** What is called; {@code ports} are the workload's own ports. */
  public record Operation(
      List<String> hosts,
      List<String> notHosts,
      List<String> methods,
      List<String> notMethods,
      List<String> paths,
      List<String> notPaths,
      List<Integer> ports,
      List<Integer> notPorts) {
    public Operation {
      hosts = List.copyOf(hosts);
      notHosts = List.copyOf(notHosts);
      methods = List.copyOf(methods);
      notMethods = List.copyOf(notMethods);
      paths = List.copyOf(paths);
      notPaths = List.copyOf(notPaths);
      ports = List.copyOf(ports);
      notPorts = List.copyOf(notPorts);
    }

    /** Fields only an HTTP request has: on a TCP port a rule using them cannot match as written. */
    public boolean hasHttpFields() {
      return !hosts.isEmpty()
          || !notHosts.isEmpty()
          || !methods.isEmpty()
          || !notMethods.isEmpty()
          || !paths.isEmpty()
          || !notPaths.isEmpty();
    }

    /** This operation without its HTTP-only fields. */
    public Operation withoutHttpFields() {
      return new Operation(
          List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), ports, notPorts);
    }
  }

  /**
   * A {@code when} condition: {@code key} is one of {@code request.headers[NAME]}, {@code
   * request.auth.claims[NAME]} (nested: {@code [A][B]}), {@code source.ip}, {@code
   * source.namespace}, {@code source.principal}, {@code destination.port}; it matches when any of
   * {@code values} (if any) matches and none of {@code notValues} does.
   */
  public record Condition(String key, List<String> values, List<String> notValues) {
    public static final String REQUEST_HEADERS = "request.headers";
    public static final String REQUEST_CLAIMS = "request.auth.claims";

    public Condition {
      Objects.requireNonNull(key);
      values = List.copyOf(values);
      notValues = List.copyOf(notValues);
    }

    public boolean isHttp() {
      return key.startsWith(REQUEST_HEADERS + "[") || key.startsWith(REQUEST_CLAIMS + "[");
    }

    /** The claim path of a {@code request.auth.claims[A][B]} key: A, B. */
    public List<String> claimPath() {
      String inner = key.substring(REQUEST_CLAIMS.length() + 1, key.length() - 1);
      return List.of(inner.split("\\]\\["));
    }

    /** The header name of a {@code request.headers[NAME]} key. */
    public String headerName() {
      return key.substring(REQUEST_HEADERS.length() + 1, key.length() - 1);
    }
  }
}
