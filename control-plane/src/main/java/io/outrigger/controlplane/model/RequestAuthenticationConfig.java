package io.outrigger.controlplane.model;

import java.time.Duration;
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
   * @param jwks the JSON Web Key Set, inline, or null when {@code remote} gives it
   * @param remote where the sidecar fetches the key set (Istio's jwksUri), or null
   * @param audiences accepted {@code aud} values; empty: any
   * @param fromHeaders where the token is; with {@code fromParams} and {@code fromCookies} all
   *     empty: {@code Authorization: Bearer} (and Envoy's {@code access_token} query parameter)
   * @param fromParams query parameters that carry the token
   * @param fromCookies cookies that carry the token
   * @param claimsToHeaders headers set from claims of a verified token (Istio's
   *     outputClaimToHeaders)
   * @param outputPayloadToHeader header the verified payload is forwarded in (base64url), or null
   */
  public record JwtRule(
      String issuer,
      String jwks,
      RemoteJwks remote,
      List<String> audiences,
      boolean forwardOriginalToken,
      List<TokenHeader> fromHeaders,
      List<String> fromParams,
      List<String> fromCookies,
      List<ClaimToHeader> claimsToHeaders,
      String outputPayloadToHeader) {
    public JwtRule {
      Objects.requireNonNull(issuer);
      if ((jwks == null) == (remote == null)) {
        throw new IllegalArgumentException(
            "a JWT rule has either an inline key set or a remote one");
      }
      audiences = List.copyOf(audiences);
      fromHeaders = List.copyOf(fromHeaders);
      fromParams = List.copyOf(fromParams);
      fromCookies = List.copyOf(fromCookies);
      claimsToHeaders = List.copyOf(claimsToHeaders);
    }

    /** An inline key set, the token where Envoy looks by default. */
    public JwtRule(String issuer, String jwks) {
      this(issuer, jwks, null, List.of(), false, List.of(), List.of(), List.of(), List.of(), null);
    }
  }

  /**
   * A key set fetched by the sidecar from {@code uri}: {@code host} is a mesh FQDN when the URI
   * names a service ({@code name.ns.svc[.cluster.local]}), else the name or address as written;
   * {@code fetchTimeout} is Istio's {@code timeout}.
   */
  public record RemoteJwks(String uri, String host, int port, boolean tls, Duration fetchTimeout) {
    public RemoteJwks {
      Objects.requireNonNull(uri);
      Objects.requireNonNull(host);
      Objects.requireNonNull(fetchTimeout);
    }
  }

  /** Istio's outputClaimToHeaders entry: {@code header} gets the value of {@code claim}. */
  public record ClaimToHeader(String header, String claim) {}

  /** A header that carries the token, after {@code prefix} (e.g. "Bearer "). */
  public record TokenHeader(String name, String prefix) {
    public TokenHeader {
      Objects.requireNonNull(name);
      prefix = prefix == null ? "" : prefix;
    }
  }
}
