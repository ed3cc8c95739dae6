package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A validated RequestAuthentication: the JWT issuers a workload accepts. Which workloads it applies
 * to follows the AuthorizationPolicy rules (root namespace = mesh-wide, selector = workload). A
 * request with an invalid token is refused (401); one without a token passes, for
 * AuthorizationPolicy to decide.
 */
public record RequestAuthenticationConfig(
    String namespace, String name, Map<String, String> selector, List<JwtRule> rules) {
  public RequestAuthenticationConfig {
    selector = Map.copyOf(selector);
    rules = List.copyOf(rules);
  }

  public boolean appliesTo(Workload workload, String rootNamespace) {
    boolean inScope = namespace.equals(workload.namespace()) || namespace.equals(rootNamespace);
    return inScope && (selector.isEmpty() || Labels.matches(selector, workload.labels()));
  }

  /**
   * @param jwks the JSON Web Key Set, inline
   * @param audiences accepted {@code aud} values; empty: any
   * @param fromHeaders where the token is; empty: {@code Authorization: Bearer} (and Envoy's {@code
   *     access_token} query parameter)
   * @param outputPayloadToHeader header the verified payload is forwarded in (base64url), or null
   */
  public record JwtRule(
      String issuer,
      String jwks,
      List<String> audiences,
      boolean forwardOriginalToken,
      List<TokenHeader> fromHeaders,
      String outputPayloadToHeader) {
    public JwtRule {
      Objects.requireNonNull(issuer);
      Objects.requireNonNull(jwks);
      audiences = List.copyOf(audiences);
      fromHeaders = List.copyOf(fromHeaders);
    }
  }

  /** A header that carries the token, after {@code prefix} (e.g. "Bearer "). */
  public record TokenHeader(String name, String prefix) {
    public TokenHeader {
      Objects.requireNonNull(name);
      prefix = prefix == null ? "" : prefix;
    }
  }
}
