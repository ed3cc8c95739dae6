package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwksAsyncFetch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.RequestAuthenticationConfig.JwtRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JWT filter RequestAuthentications put on a workload's inbound HTTP chains, before its RBAC
 * filters, as Istio builds it: a request with a token that no issuer accepts is refused (401); one
 * without a token passes, and AuthorizationPolicy decides (a rule on {@code requestPrincipals} then
 * fails: 403). The verified payload goes to dynamic metadata under {@link #PAYLOAD}, where the RBAC
 * filters read {@code requestPrincipals} and {@code request.auth.claims}.
 */
public final class InboundJwt {
  static final String FILTER = "envoy.filters.http.jwt_authn";
  static final String PAYLOAD = "payload";

  /**
   * How long fetched keys are used before they are fetched again: Envoy's default, 5 minutes, so a
   * rotated key is picked up as Istio's control plane would.
   */
  static final Duration JWKS_CACHE = Duration.ofMinutes(5);

  private InboundJwt() {}

  /** No filter when no RequestAuthentication applies (or none has rules). */
  static List<HttpFilter> httpFilters(List<RequestAuthenticationConfig> policies) {
    JwtAuthentication.Builder config = JwtAuthentication.newBuilder();
    JwtRequirementOrList.Builder anyProvider = JwtRequirementOrList.newBuilder();
    int index = 0;
    for (RequestAuthenticationConfig policy : policies) {
      for (JwtRule rule : policy.rules()) {
        String name = "origins-" + index++;
        config.putProviders(name, provider(rule));
        anyProvider.addRequirements(JwtRequirement.newBuilder().setProviderName(name));
      }
    }
    if (index == 0) {
      return List.of();
    }
    anyProvider.addRequirements(
        JwtRequirement.newBuilder()
            .setAllowMissing(com.google.protobuf.Empty.getDefaultInstance()));
    config.addRules(
        RequirementRule.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setRequires(JwtRequirement.newBuilder().setRequiresAny(anyProvider)));
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(
        HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(config.build())).build());
    return filters;
  }

  /**
   * The cluster a remote key set is fetched through: the mesh's own for a service, otherwise one of
   * the proxy's inbound clusters named the same way ({@link #remoteKeySets}).
   */
  public static String jwksCluster(
      io.outrigger.controlplane.model.RequestAuthenticationConfig.RemoteJwks jwks) {
    return ResourceNames.outboundCluster(jwks.port(), "", jwks.host());
  }

  /** The remote key sets the plan's RequestAuthentications fetch. */
  public static List<io.outrigger.controlplane.model.RequestAuthenticationConfig.RemoteJwks>
      remoteKeySets(InboundPlan plan) {
    return plan.authentication().stream()
        .flatMap(p -> p.rules().stream())
        .map(JwtRule::remote)
        .filter(java.util.Objects::nonNull)
        .distinct()
        .toList();
  }

  private static JwtProvider provider(JwtRule rule) {
    JwtProvider.Builder p =
        JwtProvider.newBuilder()
            .setIssuer(rule.issuer())
            .addAllAudiences(rule.audiences())
            .setForward(rule.forwardOriginalToken())
            .setPayloadInMetadata(PAYLOAD);
    if (rule.remote() != null) {
      p.setRemoteJwks(remote(rule.remote()));
    } else {
      p.setLocalJwks(DataSource.newBuilder().setInlineString(rule.jwks()));
    }
    p.addAllFromParams(rule.fromParams());
    p.addAllFromCookies(rule.fromCookies());
    rule.claimsToHeaders()
        .forEach(
            c ->
                p.addClaimToHeaders(
                    JwtClaimToHeader.newBuilder()
                        .setHeaderName(c.header())
                        .setClaimName(c.claim())));
    rule.fromHeaders()
        .forEach(
            h ->
                p.addFromHeaders(
                    JwtHeader.newBuilder().setName(h.name()).setValuePrefix(h.prefix())));
    if (rule.outputPayloadToHeader() != null) {
      p.setForwardPayloadHeader(rule.outputPayloadToHeader());
    }
    return p.build();
  }

  /**
   * Fetched when the listener starts (it waits for the first answer, so the first request is not
   * refused for want of keys), kept {@link #JWKS_CACHE}, fetched again a second after a failure.
   */
  private static RemoteJwks remote(
      io.outrigger.controlplane.model.RequestAuthenticationConfig.RemoteJwks jwks) {
    return RemoteJwks.newBuilder()
        .setHttpUri(
            HttpUri.newBuilder()
                .setUri(jwks.uri())
                .setCluster(jwksCluster(jwks))
                .setTimeout(duration(jwks.fetchTimeout())))
        .setCacheDuration(duration(JWKS_CACHE))
        .setAsyncFetch(JwksAsyncFetch.newBuilder().setFastListener(false))
        .build();
  }

  private static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }
}
