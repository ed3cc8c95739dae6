package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicyAction;
import io.fabric8.istio.api.api.security.v1beta1.Condition;
import io.fabric8.istio.api.api.security.v1beta1.Operation;
import io.fabric8.istio.api.api.security.v1beta1.Rule;
import io.fabric8.istio.api.api.security.v1beta1.RuleFrom;
import io.fabric8.istio.api.api.security.v1beta1.RuleTo;
import io.fabric8.istio.api.api.security.v1beta1.Source;
import io.fabric8.istio.api.security.v1.AuthorizationPolicy;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio AuthorizationPolicy to {@link AuthorizationPolicyConfig}. A field the sidecar would not
 * enforce is refused, never ignored: an ignored {@code from} would open a workload its author meant
 * to close.
 */
public final class AuthorizationPolicyConverter {
  private static final Set<String> SOURCE_KEYS =
      Set.of("source.ip", "source.namespace", "source.principal", "destination.port");

  private AuthorizationPolicyConverter() {}

  public static AuthorizationPolicyConfig convert(AuthorizationPolicy object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    String name = object.getMetadata().getName();
    if (spec == null) {
      // Istio: an empty policy is an ALLOW policy that matches nothing, i.e. deny all.
      return new AuthorizationPolicyConfig(
          namespace, name, Map.of(), AuthorizationPolicyConfig.Action.ALLOW, List.of());
    }
    SecurityFields.unknown("spec", spec.getAdditionalProperties());
    if (spec.getTargetRef() != null
        || (spec.getTargetRefs() != null && !spec.getTargetRefs().isEmpty())) {
      throw SecurityFields.notSupported(
          "spec.targetRef(s)", "sidecars are selected with spec.selector");
    }
    if (spec.getActionDetail() != null) {
      throw SecurityFields.notSupported("spec.provider", "no external authorization (CUSTOM)");
    }
    AuthorizationPolicyConfig.Action action = action(spec.getAction());
    Map<String, String> selector =
        spec.getSelector() == null || spec.getSelector().getMatchLabels() == null
            ? Map.of()
            : spec.getSelector().getMatchLabels();
    List<AuthorizationPolicyConfig.Rule> rules = new ArrayList<>();
    List<Rule> written = orEmpty(spec.getRules());
    for (int i = 0; i < written.size(); i++) {
      rules.add(rule(written.get(i), "spec.rules[" + i + "]"));
    }
    return new AuthorizationPolicyConfig(namespace, name, selector, action, rules);
  }

  private static AuthorizationPolicyConfig.Action action(AuthorizationPolicyAction action)
      throws InvalidConfigException {
    if (action == null) {
      return AuthorizationPolicyConfig.Action.ALLOW;
    }
    return switch (action) {
      case ALLOW -> AuthorizationPolicyConfig.Action.ALLOW;
      case DENY -> AuthorizationPolicyConfig.Action.DENY;
      case AUDIT -> AuthorizationPolicyConfig.Action.AUDIT;
      case CUSTOM ->
          throw SecurityFields.notSupported(
              "spec.action CUSTOM", "no external authorization provider");
    };
  }

  private static AuthorizationPolicyConfig.Rule rule(Rule rule, String path)
      throws InvalidConfigException {
    if (rule == null) {
      return new AuthorizationPolicyConfig.Rule(List.of(), List.of(), List.of());
    }
    SecurityFields.unknown(path, rule.getAdditionalProperties());
    List<AuthorizationPolicyConfig.Source> from = new ArrayList<>();
    List<RuleFrom> froms = orEmpty(rule.getFrom());
    for (int i = 0; i < froms.size(); i++) {
      String at = path + ".from[" + i + "]";
      RuleFrom f = froms.get(i);
      if (f == null || f.getSource() == null) {
        throw new InvalidConfigException(at + ".source: required");
      }
      SecurityFields.unknown(at, f.getAdditionalProperties());
      from.add(source(f.getSource(), at + ".source"));
    }
    List<AuthorizationPolicyConfig.Operation> to = new ArrayList<>();
    List<RuleTo> tos = orEmpty(rule.getTo());
    for (int i = 0; i < tos.size(); i++) {
      String at = path + ".to[" + i + "]";
      RuleTo t = tos.get(i);
      if (t == null || t.getOperation() == null) {
        throw new InvalidConfigException(at + ".operation: required");
      }
      SecurityFields.unknown(at, t.getAdditionalProperties());
      to.add(operation(t.getOperation(), at + ".operation"));
    }
    List<AuthorizationPolicyConfig.Condition> when = new ArrayList<>();
    List<Condition> conditions = orEmpty(rule.getWhen());
    for (int i = 0; i < conditions.size(); i++) {
      when.add(condition(conditions.get(i), path + ".when[" + i + "]"));
    }
    return new AuthorizationPolicyConfig.Rule(from, to, when);
  }

  private static AuthorizationPolicyConfig.Source source(Source s, String path)
      throws InvalidConfigException {
    SecurityFields.unknown(path, s.getAdditionalProperties());
    unsupported(
        path + ".remoteIpBlocks",
        s.getRemoteIpBlocks(),
        "sidecars trust no X-Forwarded-For; use ipBlocks");
    unsupported(path + ".notRemoteIpBlocks", s.getNotRemoteIpBlocks(), "use notIpBlocks");
    unsupported(
        path + ".serviceAccounts",
        s.getServiceAccounts(),
        "use principals (TRUST_DOMAIN/ns/NS/sa/SA)");
    unsupported(path + ".notServiceAccounts", s.getNotServiceAccounts(), "use notPrincipals");
    var source =
        new AuthorizationPolicyConfig.Source(
            values(path + ".principals", s.getPrincipals()),
            values(path + ".notPrincipals", s.getNotPrincipals()),
            values(path + ".namespaces", s.getNamespaces()),
            values(path + ".notNamespaces", s.getNotNamespaces()),
            cidrs(path + ".ipBlocks", s.getIpBlocks()),
            cidrs(path + ".notIpBlocks", s.getNotIpBlocks()),
            requestPrincipals(path + ".requestPrincipals", s.getRequestPrincipals()),
            requestPrincipals(path + ".notRequestPrincipals", s.getNotRequestPrincipals()));
    if (source.equals(
        new AuthorizationPolicyConfig.Source(
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of()))) {
      throw new InvalidConfigException(path + ": must set at least one field");
    }
    return source;
  }

  private static AuthorizationPolicyConfig.Operation operation(Operation o, String path)
      throws InvalidConfigException {
    SecurityFields.unknown(path, o.getAdditionalProperties());
    var operation =
        new AuthorizationPolicyConfig.Operation(
            values(path + ".hosts", o.getHosts()), values(path + ".notHosts", o.getNotHosts()),
            values(path + ".methods", o.getMethods()),
                values(path + ".notMethods", o.getNotMethods()),
            paths(path + ".paths", o.getPaths()), paths(path + ".notPaths", o.getNotPaths()),
            ports(path + ".ports", o.getPorts()), ports(path + ".notPorts", o.getNotPorts()));
    if (operation.equals(
        new AuthorizationPolicyConfig.Operation(
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of()))) {
      throw new InvalidConfigException(path + ": must set at least one field");
    }
    return operation;
  }

  private static AuthorizationPolicyConfig.Condition condition(Condition c, String path)
      throws InvalidConfigException {
    if (c == null || c.getKey() == null || c.getKey().isBlank()) {
      throw new InvalidConfigException(path + ".key: required");
    }
    SecurityFields.unknown(path, c.getAdditionalProperties());
    String key = c.getKey();
    boolean bracketed =
        bracketed(key, AuthorizationPolicyConfig.Condition.REQUEST_HEADERS)
            || bracketed(key, AuthorizationPolicyConfig.Condition.REQUEST_CLAIMS);
    if (!bracketed && !SOURCE_KEYS.contains(key)) {
      throw SecurityFields.notSupported(
          path + ".key \"" + key + "\"",
          "the keys are request.headers[NAME], "
              + "request.auth.claims[NAME], source.ip, source.namespace, source.principal, destination.port");
    }
    List<String> values;
    List<String> notValues;
    if (key.equals("source.ip")) {
      values = cidrs(path + ".values", c.getValues());
      notValues = cidrs(path + ".notValues", c.getNotValues());
    } else if (key.equals("destination.port")) {
      values = ports(path + ".values", c.getValues()).stream().map(String::valueOf).toList();
      notValues =
          ports(path + ".notValues", c.getNotValues()).stream().map(String::valueOf).toList();
    } else {
      values = values(path + ".values", c.getValues());
      notValues = values(path + ".notValues", c.getNotValues());
    }
    if (values.isEmpty() && notValues.isEmpty()) {
      throw new InvalidConfigException(path + ": values or notValues required");
    }
    return new AuthorizationPolicyConfig.Condition(key, values, notValues);
  }

  private static boolean bracketed(String key, String prefix) {
    return key.startsWith(prefix + "[") && key.endsWith("]") && key.length() > prefix.length() + 2;
  }

  /**
   * {@code ISS/SUB} (split at the last '/'), {@code *}, {@code ISS/*}, {@code *SUFFIX}: the forms
   * the sidecar can match against a verified token's claims.
   */
  private static List<String> requestPrincipals(String path, List<String> written)
      throws InvalidConfigException {
    List<String> values = values(path, written);
    for (String v : values) {
      if (!v.equals("*") && !v.startsWith("*") && v.lastIndexOf('/') <= 0) {
        throw new InvalidConfigException(
            path + " \"" + v + "\": must be ISS/SUB, ISS/*, *SUFFIX or *");
      }
    }
    return values;
  }

  /**
   * Istio's matching: exact, {@code prefix*}, {@code *suffix} or {@code *}; a {@code *} elsewhere
   * is refused.
   */
  private static List<String> values(String path, List<String> written)
      throws InvalidConfigException {
    List<String> out = new ArrayList<>();
    for (String v : orEmpty(written)) {
      if (v == null || v.isEmpty()) {
        throw new InvalidConfigException(path + ": empty value");
      }
      String inner = v.length() > 1 ? v.substring(1, v.length() - 1) : "";
      if (inner.contains("*") || (v.length() > 1 && v.startsWith("*") && v.endsWith("*"))) {
        throw new InvalidConfigException(
            path
                + " \""
                + v
                + "\": '*' is allowed only as a whole value, "
                + "a prefix or a suffix");
      }
      out.add(v);
    }
    return out;
  }

  private static List<String> paths(String path, List<String> written)
      throws InvalidConfigException {
    for (String p : orEmpty(written)) {
      if (p != null && (p.contains("{*}") || p.contains("{**}"))) {
        throw SecurityFields.notSupported(path + " \"" + p + "\"", "path templates ({*}, {**})");
      }
    }
    return values(path, written);
  }

  private static List<Integer> ports(String path, List<String> written)
      throws InvalidConfigException {
    List<Integer> out = new ArrayList<>();
    for (String p : orEmpty(written)) {
      try {
        int port = Integer.parseInt(p);
        if (port >= 1 && port <= 65535) {
          out.add(port);
          continue;
        }
      } catch (NumberFormatException ignored) {
        // reported below with the value
      }
      throw new InvalidConfigException(path + " \"" + p + "\": not a port number");
    }
    return out;
  }

  /** An address or a CIDR block, normalised to CIDR. */
  private static List<String> cidrs(String path, List<String> written)
      throws InvalidConfigException {
    List<String> out = new ArrayList<>();
    for (String block : orEmpty(written)) {
      try {
        out.add(Cidr.parse(block == null ? "" : block).toString());
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(
            path + " \"" + block + "\": not an IP address or CIDR block");
      }
    }
    return out;
  }

  private static void unsupported(String path, List<String> values, String reason)
      throws InvalidConfigException {
    if (values != null && !values.isEmpty()) {
      throw SecurityFields.notSupported(path, reason);
    }
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
