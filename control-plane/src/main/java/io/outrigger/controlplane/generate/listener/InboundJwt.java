package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.RequestAuthenticationConfig.JwtRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The JWT filter RequestAuthentications put on a workload's inbound HTTP chains, before its RBAC
 * filters, as Istio builds it: a request with a token that no issuer accepts is refused (401); one
 * without a token passes, and AuthorizationPolicy decides (a rule on {@code requestPrincipals} then
 * fails: 403). The verified payload goes to dynamic metadata under {@link #PAYLOAD}, where the RBAC
 * filters read {@code requestPrincipals} and {@code request.auth.claims}.
 */
final class InboundJwt {
  static final String FILTER = "envoy.filters.http.jwt_authn";
  static final String PAYLOAD = "payload";

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

  private static JwtProvider provider(JwtRule rule) {
    JwtProvider.Builder p =
        JwtProvider.newBuilder()
            .setIssuer(rule.issuer())
            .addAllAudiences(rule.audiences())
            .setLocalJwks(DataSource.newBuilder().setInlineString(rule.jwks()))
            .setForward(rule.forwardOriginalToken())
            .setPayloadInMetadata(PAYLOAD);
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
}
