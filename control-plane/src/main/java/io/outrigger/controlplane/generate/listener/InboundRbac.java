package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig.Action;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig.Condition;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig.Operation;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig.Rule;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig.Source;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The Envoy RBAC filters that enforce the AuthorizationPolicies of a workload on its inbound
 * chains, in Istio's shapes and order: an AUDIT (log-only) filter, then DENY, then ALLOW, each
 * present only when a policy of that action applies. A DENY match refuses whatever ALLOW says; once
 * any ALLOW policy applies, a request no ALLOW rule matches is refused (an ALLOW filter whose rules
 * all dropped out refuses all).
 *
 * <p>On a TCP chain, HTTP-only fields (hosts, methods, paths, request headers) cannot be evaluated,
 * as in Istio: an ALLOW or AUDIT rule using them matches nothing (it is left out), while a DENY
 * rule drops them and matches on what remains (more restrictive, never less).
 */
final class InboundRbac {
  private static final List<Action> ORDER = List.of(Action.AUDIT, Action.DENY, Action.ALLOW);
  private static final String SPIFFE = "spiffe://";

  private InboundRbac() {}

  static List<HttpFilter> httpFilters(List<AuthorizationPolicyConfig> policies) {
    List<HttpFilter> filters = new ArrayList<>();
    for (Action action : ORDER) {
      rules(policies, action, false)
          .ifPresent(
              rbac ->
                  filters.add(
                      HttpFilter.newBuilder()
                          .setName("envoy.filters.http.rbac")
                          .setTypedConfig(
                              Any.pack(
                                  io.envoyproxy
                                      .envoy
                                      .extensions
                                      .filters
                                      .http
                                      .rbac
                                      .v3
                                      .RBAC
                                      .newBuilder()
                                      .setRules(rbac)
                                      .build()))
                          .build()));
    }
    return filters;
  }

  static List<Filter> networkFilters(List<AuthorizationPolicyConfig> policies) {
    List<Filter> filters = new ArrayList<>();
    for (Action action : ORDER) {
      rules(policies, action, true)
          .ifPresent(
              rbac ->
                  filters.add(
                      Filter.newBuilder()
                          .setName("envoy.filters.network.rbac")
                          .setTypedConfig(
                              Any.pack(
                                  io.envoyproxy
                                      .envoy
                                      .extensions
                                      .filters
                                      .network
                                      .rbac
                                      .v3
                                      .RBAC
                                      .newBuilder()
                                      .setStatPrefix("tcp.")
                                      .setRules(rbac)
                                      .build()))
                          .build()));
    }
    return filters;
  }

  private static java.util.Optional<RBAC> rules(
      List<AuthorizationPolicyConfig> policies, Action action, boolean tcp) {
    List<AuthorizationPolicyConfig> ofAction =
        policies.stream().filter(p -> p.action() == action).toList();
    if (ofAction.isEmpty()) {
      return java.util.Optional.empty();
    }
    Map<String, Policy> byName = new LinkedHashMap<>();
    for (AuthorizationPolicyConfig policy : ofAction) {
      for (int i = 0; i < policy.rules().size(); i++) {
        Rule rule = policy.rules().get(i);
        if (tcp && usesHttp(rule)) {
          if (action != Action.DENY) {
            continue;
          }
          rule = withoutHttp(rule);
        }
        byName.put(
            "ns[" + policy.namespace() + "]-policy[" + policy.name() + "]-rule[" + i + "]",
            policy(rule));
      }
    }
    RBAC.Action envoyAction =
        switch (action) {
          case ALLOW -> RBAC.Action.ALLOW;
          case DENY -> RBAC.Action.DENY;
          case AUDIT -> RBAC.Action.LOG;
        };
    return java.util.Optional.of(
        RBAC.newBuilder().setAction(envoyAction).putAllPolicies(byName).build());
  }

  private static boolean usesHttp(Rule rule) {
    return rule.to().stream().anyMatch(Operation::hasHttpFields)
        || rule.when().stream().anyMatch(Condition::isHttp)
        || rule.from().stream().anyMatch(Source::hasHttpFields);
  }

  private static Rule withoutHttp(Rule rule) {
    return new Rule(
        rule.from().stream().map(Source::withoutHttpFields).toList(),
        rule.to().stream().map(Operation::withoutHttpFields).toList(),
        rule.when().stream().filter(c -> !c.isHttp()).toList());
  }

  /**
   * from (any source) AND every principal-side condition; to (any operation) AND every port
   * condition.
   */
  private static Policy policy(Rule rule) {
    List<Principal> principals = new ArrayList<>();
    if (!rule.from().isEmpty()) {
      principals.add(orIds(rule.from().stream().map(InboundRbac::source).toList()));
    }
    List<Permission> permissions = new ArrayList<>();
    if (!rule.to().isEmpty()) {
      permissions.add(orRules(rule.to().stream().map(InboundRbac::operation).toList()));
    }
    for (Condition condition : rule.when()) {
      if (condition.key().equals("destination.port")) {
        permissions.add(
            notable(
                condition.values(),
                condition.notValues(),
                v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build(),
                InboundRbac::orRules,
                InboundRbac::andRules,
                p -> Permission.newBuilder().setNotRule(p).build()));
      } else {
        principals.add(
            notable(
                condition.values(),
                condition.notValues(),
                conditionValue(condition),
                InboundRbac::orIds,
                InboundRbac::andIds,
                p -> Principal.newBuilder().setNotId(p).build()));
      }
    }
    return Policy.newBuilder()
        .addPermissions(
            permissions.isEmpty()
                ? Permission.newBuilder().setAny(true).build()
                : andRules(permissions))
        .addPrincipals(
            principals.isEmpty() ? Principal.newBuilder().setAny(true).build() : andIds(principals))
        .build();
  }

  private static Function<String, Principal> conditionValue(Condition condition) {
    return switch (condition.key()) {
      case "source.ip" -> InboundRbac::remoteIp;
      case "source.namespace" -> InboundRbac::namespace;
      case "source.principal" -> InboundRbac::principal;
      default ->
          condition.key().startsWith(Condition.REQUEST_CLAIMS)
              ? v -> claim(condition.claimPath(), v)
              : v ->
                  Principal.newBuilder()
                      .setHeader(
                          HeaderMatcher.newBuilder()
                              .setName(condition.headerName())
                              .setStringMatch(matcher(v, "", false)))
                      .build();
    };
  }

  private static Principal source(Source s) {
    List<Principal> all = new ArrayList<>();
    addIds(all, s.principals(), s.notPrincipals(), InboundRbac::principal);
    addIds(all, s.namespaces(), s.notNamespaces(), InboundRbac::namespace);
    addIds(all, s.ipBlocks(), s.notIpBlocks(), InboundRbac::remoteIp);
    addIds(all, s.requestPrincipals(), s.notRequestPrincipals(), InboundRbac::requestPrincipal);
    return all.isEmpty() ? Principal.newBuilder().setAny(true).build() : andIds(all);
  }

  private static Permission operation(Operation o) {
    List<Permission> all = new ArrayList<>();
    addRules(all, o.hosts(), o.notHosts(), v -> header(":authority", matcher(v, "", true)));
    addRules(all, o.methods(), o.notMethods(), v -> header(":method", matcher(v, "", false)));
    addRules(
        all,
        o.paths(),
        o.notPaths(),
        v ->
            Permission.newBuilder()
                .setUrlPath(PathMatcher.newBuilder().setPath(matcher(v, "", false)))
                .build());
    addRules(
        all,
        o.ports().stream().map(String::valueOf).toList(),
        o.notPorts().stream().map(String::valueOf).toList(),
        v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build());
    return all.isEmpty() ? Permission.newBuilder().setAny(true).build() : andRules(all);
  }

  private static void addIds(
      List<Principal> all,
      List<String> values,
      List<String> notValues,
      Function<String, Principal> one) {
    if (!values.isEmpty() || !notValues.isEmpty()) {
      all.add(
          notable(
              values,
              notValues,
              one,
              InboundRbac::orIds,
              InboundRbac::andIds,
              p -> Principal.newBuilder().setNotId(p).build()));
    }
  }

  private static void addRules(
      List<Permission> all,
      List<String> values,
      List<String> notValues,
      Function<String, Permission> one) {
    if (!values.isEmpty() || !notValues.isEmpty()) {
      all.add(
          notable(
              values,
              notValues,
              one,
              InboundRbac::orRules,
              InboundRbac::andRules,
              p -> Permission.newBuilder().setNotRule(p).build()));
    }
  }

  /** Any of {@code values} (when given) and none of {@code notValues}. */
  private static <T> T notable(
      List<String> values,
      List<String> notValues,
      Function<String, T> one,
      Function<List<T>, T> or,
      Function<List<T>, T> and,
      Function<T, T> not) {
    List<T> parts = new ArrayList<>();
    if (!values.isEmpty()) {
      parts.add(or.apply(values.stream().map(one).toList()));
    }
    if (!notValues.isEmpty()) {
      parts.add(not.apply(or.apply(notValues.stream().map(one).toList())));
    }
    return parts.size() == 1 ? parts.get(0) : and.apply(parts);
  }

  /**
   * An Istio principal ({@code cluster.local/ns/NS/sa/SA}) against the peer certificate's SPIFFE
   * URI.
   */
  private static Principal principal(String value) {
    return authenticated(matcher(value, SPIFFE, false));
  }

  /** A source namespace: the {@code /ns/NS/} segment of the peer's SPIFFE URI. */
  private static Principal namespace(String value) {
    String ns;
    if (value.equals("*")) {
      ns = "[^/]+";
    } else if (value.endsWith("*")) {
      ns = Pattern.quote(value.substring(0, value.length() - 1)) + "[^/]*";
    } else if (value.startsWith("*")) {
      ns = "[^/]*" + Pattern.quote(value.substring(1));
    } else {
      ns = Pattern.quote(value);
    }
    return authenticated(
        StringMatcher.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex(".*/ns/" + ns + "/.*"))
            .build());
  }

  /**
   * {@code ISS/SUB} of the token the jwt_authn filter verified (its payload in dynamic metadata,
   * {@link InboundJwt#PAYLOAD}), split at the last '/'; {@code *} is any verified token.
   */
  private static Principal requestPrincipal(String value) {
    if (value.equals("*")) {
      return jwtClaim(List.of("iss"), ValueMatcher.newBuilder().setPresentMatch(true).build());
    }
    int slash = value.lastIndexOf('/');
    if (slash <= 0) { // "*SUFFIX" without a '/': a suffix of the subject
      return jwtClaim(List.of("sub"), string(matcher(value, "", false)));
    }
    String issuer = value.substring(0, slash);
    String subject = value.substring(slash + 1);
    List<Principal> both = new ArrayList<>();
    both.add(
        jwtClaim(
            List.of("iss"),
            issuer.equals("*")
                ? ValueMatcher.newBuilder().setPresentMatch(true).build()
                : string(
                    issuer.startsWith("*")
                        ? StringMatcher.newBuilder().setSuffix(issuer.substring(1)).build()
                        : StringMatcher.newBuilder().setExact(issuer).build())));
    both.add(
        jwtClaim(
            List.of("sub"),
            subject.isEmpty() || subject.equals("*")
                ? ValueMatcher.newBuilder().setPresentMatch(true).build()
                : string(matcher(subject, "", false))));
    return andIds(both);
  }

  /**
   * A claim with one value: equal to it (a string claim) or holding it (a list claim, such as
   * groups).
   */
  private static Principal claim(List<String> path, String value) {
    StringMatcher m = matcher(value, "", false);
    return orIds(
        List.of(
            jwtClaim(path, string(m)),
            jwtClaim(
                path,
                ValueMatcher.newBuilder()
                    .setListMatch(ListMatcher.newBuilder().setOneOf(string(m)))
                    .build())));
  }

  private static Principal jwtClaim(List<String> path, ValueMatcher value) {
    MetadataMatcher.Builder m =
        MetadataMatcher.newBuilder()
            .setFilter(InboundJwt.FILTER)
            .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(InboundJwt.PAYLOAD));
    path.forEach(key -> m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key)));
    return Principal.newBuilder()
        .setSourcedMetadata(SourcedMetadata.newBuilder().setMetadataMatcher(m.setValue(value)))
        .build();
  }

  private static ValueMatcher string(StringMatcher matcher) {
    return ValueMatcher.newBuilder().setStringMatch(matcher).build();
  }

  private static Principal authenticated(StringMatcher matcher) {
    return Principal.newBuilder()
        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(matcher))
        .build();
  }

  /** The connection's peer address (Istio's {@code ipBlocks} and {@code source.ip}). */
  private static Principal remoteIp(String cidr) {
    int slash = cidr.indexOf('/');
    return Principal.newBuilder()
        .setDirectRemoteIp(
            CidrRange.newBuilder()
                .setAddressPrefix(cidr.substring(0, slash))
                .setPrefixLen(UInt32Value.of(Integer.parseInt(cidr.substring(slash + 1)))))
        .build();
  }

  private static Permission header(String name, StringMatcher matcher) {
    return Permission.newBuilder()
        .setHeader(HeaderMatcher.newBuilder().setName(name).setStringMatch(matcher))
        .build();
  }

  /** Istio's value syntax: {@code *} (present), {@code prefix*}, {@code *suffix}, else exact. */
  private static StringMatcher matcher(String value, String exactPrefix, boolean ignoreCase) {
    StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
    if (value.equals("*")) {
      return StringMatcher.newBuilder()
          .setSafeRegex(RegexMatcher.newBuilder().setRegex(".+"))
          .build();
    } else if (value.endsWith("*")) {
      m.setPrefix(exactPrefix + value.substring(0, value.length() - 1));
    } else if (value.startsWith("*")) {
      m.setSuffix(value.substring(1));
    } else {
      m.setExact(exactPrefix + value);
    }
    return m.build();
  }

  private static Principal orIds(List<Principal> ids) {
    return ids.size() == 1
        ? ids.get(0)
        : Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  private static Principal andIds(List<Principal> ids) {
    return ids.size() == 1
        ? ids.get(0)
        : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  private static Permission orRules(List<Permission> rules) {
    return rules.size() == 1
        ? rules.get(0)
        : Permission.newBuilder()
            .setOrRules(Permission.Set.newBuilder().addAllRules(rules))
            .build();
  }

  private static Permission andRules(List<Permission> rules) {
    return rules.size() == 1
        ? rules.get(0)
        : Permission.newBuilder()
            .setAndRules(Permission.Set.newBuilder().addAllRules(rules))
            .build();
  }
}
