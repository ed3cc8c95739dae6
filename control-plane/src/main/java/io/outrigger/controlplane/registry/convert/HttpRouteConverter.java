package io.outrigger.controlplane.registry.convert;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.Hostnames;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.HttpRouteConfig.Attachment;
import io.outrigger.controlplane.model.HttpRouteConfig.Condition;
import io.outrigger.controlplane.model.HttpRouteConfig.Match;
import io.outrigger.controlplane.model.HttpRouteConfig.ParentStatus;
import io.outrigger.controlplane.model.HttpRouteConfig.PathModifier;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.HttpRoutePolicy.HeaderOperations;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.StringMatch;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway API HTTPRoute (gateway.networking.k8s.io/v1) bound to Services (GAMMA) to {@link
 * HttpRouteConfig}. A route whose parentRefs name no Service is for a Gateway, not the mesh: it
 * converts to nothing. What the spec says is the route's own mistake (a malformed path, a redirect
 * with backends) refuses the object; what the spec reports in status (a parent or backend that does
 * not exist) is reported there, and the route applies as the spec says (a missing backend's share
 * of requests gets a 500).
 */
public final class HttpRouteConverter {
  /** The {@code controllerName} of the status Outrigger writes. */
  public static final String CONTROLLER_NAME = "outrigger.io/mesh";

  /** Gateway API Duration: 1 to 4 of a number (at most 5 digits) and h, m, s or ms. */
  private static final Pattern DURATION = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");

  private static final Pattern DURATION_PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");
  private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
  private static final int MAX_RULES = 64;
  private static final int MAX_MATCHES = 64;

  private HttpRouteConverter() {}

  /**
   * What resolving a reference needs: the route's namespace, the mesh, the route's parent Services
   * (FQDNs), and where unresolved references are collected ("Reason: message").
   */
  private record Refs(
      String namespace, MeshLookup mesh, Set<String> parentHosts, List<String> unresolved) {}

  /** Null when no parentRef is a Service: the route is some Gateway's business. */
  public static HttpRouteConfig convert(HTTPRoute object, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null || spec.getParentRefs() == null) {
      return null;
    }
    List<ParentReference> serviceParents =
        spec.getParentRefs().stream().filter(HttpRouteConverter::isService).toList();
    if (serviceParents.isEmpty()) {
      return null;
    }
    List<HTTPRouteRule> specRules = spec.getRules() == null ? List.of() : spec.getRules();
    if (specRules.size() > MAX_RULES) {
      throw new InvalidConfigException(
          "spec.rules has " + specRules.size() + " rules, at most " + MAX_RULES);
    }
    Set<String> parentHosts = new LinkedHashSet<>();
    for (ParentReference p : serviceParents) {
      parentHosts.add(Hostnames.fqdn(p.getName(), orDefault(p.getNamespace(), namespace)));
    }
    List<String> unresolved = new ArrayList<>();
    Refs refs = new Refs(namespace, mesh, parentHosts, unresolved);
    List<HttpRouteConfig.Rule> rules = new ArrayList<>();
    for (int i = 0; i < specRules.size(); i++) {
      rules.add(rule(specRules.get(i), "spec.rules[" + i + "]", refs));
    }
    List<Attachment> attachments = new ArrayList<>();
    List<ParentStatus> parents = new ArrayList<>();
    for (ParentReference p : serviceParents) {
      String parentNamespace = orDefault(p.getNamespace(), namespace);
      String host = Hostnames.fqdn(p.getName(), parentNamespace);
      int port = p.getPort() == null ? 0 : p.getPort();
      Condition accepted;
      Optional<Service> service = mesh == null ? Optional.empty() : mesh.service(host);
      if (p.getSectionName() != null) {
        accepted =
            new Condition(
                "Accepted",
                false,
                "UnsupportedValue",
                "sectionName is not supported for a Service parentRef; use port");
      } else if (service.isEmpty() && (mesh == null || mesh.complete())) {
        accepted =
            new Condition(
                "Accepted",
                false,
                "NoMatchingParent",
                "Service " + parentNamespace + "/" + p.getName() + " does not exist");
      } else if (service.isPresent() && port != 0 && service.get().port(port).isEmpty()) {
        accepted =
            new Condition(
                "Accepted",
                false,
                "NoMatchingParent",
                "Service " + parentNamespace + "/" + p.getName() + " has no port " + port);
      } else {
        accepted = new Condition("Accepted", true, "Accepted", "attached to the Service");
        attachments.add(new Attachment(host, parentNamespace, port));
      }
      Condition resolved =
          unresolved.isEmpty()
              ? new Condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved")
              : new Condition(
                  "ResolvedRefs",
                  false,
                  unresolved.getFirst().substring(0, unresolved.getFirst().indexOf(':')),
                  String.join(
                      "; ",
                      unresolved.stream().map(u -> u.substring(u.indexOf(':') + 2)).toList()));
      parents.add(
          new ParentStatus(
              "", "Service", parentNamespace, p.getName(), port, List.of(accepted, resolved)));
    }
    var meta = object.getMetadata();
    Instant created = Instant.EPOCH;
    if (meta.getCreationTimestamp() != null) {
      try {
        created = Instant.parse(meta.getCreationTimestamp());
      } catch (DateTimeParseException e) {
        created = Instant.EPOCH;
      }
    }
    return new HttpRouteConfig(
        namespace,
        meta.getName(),
        meta.getGeneration() == null ? 0 : meta.getGeneration(),
        created,
        attachments,
        rules,
        parents);
  }

  private static boolean isService(ParentReference p) {
    return "Service".equals(p.getKind()) && (p.getGroup() == null || p.getGroup().isEmpty());
  }

  private static HttpRouteConfig.Rule rule(HTTPRouteRule r, String where, Refs refs)
      throws InvalidConfigException {
    List<HTTPRouteMatch> specMatches = r.getMatches() == null ? List.of() : r.getMatches();
    if (specMatches.size() > MAX_MATCHES) {
      throw new InvalidConfigException(
          where + ".matches has " + specMatches.size() + " entries, at most " + MAX_MATCHES);
    }
    List<Match> matches = new ArrayList<>();
    for (int m = 0; m < specMatches.size(); m++) {
      matches.add(match(specMatches.get(m), where + ".matches[" + m + "]"));
    }
    if (matches.isEmpty()) {
      matches.add(Match.any());
    }
    HeaderOperations requestHeaders = HeaderOperations.NONE;
    HeaderOperations responseHeaders = HeaderOperations.NONE;
    List<HttpRoutePolicy.Mirror> mirrors = new ArrayList<>();
    Optional<HttpRouteConfig.Redirect> redirect = Optional.empty();
    Optional<HttpRouteConfig.Rewrite> rewrite = Optional.empty();
    List<HTTPRouteFilter> filters = r.getFilters() == null ? List.of() : r.getFilters();
    for (int f = 0; f < filters.size(); f++) {
      HTTPRouteFilter filter = filters.get(f);
      String at = where + ".filters[" + f + "]";
      String type = filter.getType() == null ? "" : filter.getType();
      switch (type) {
        case "RequestHeaderModifier" ->
            requestHeaders =
                once(
                    requestHeaders, filter.getRequestHeaderModifier(), at, "requestHeaderModifier");
        case "ResponseHeaderModifier" ->
            responseHeaders =
                once(
                    responseHeaders,
                    filter.getResponseHeaderModifier(),
                    at,
                    "responseHeaderModifier");
        case "RequestMirror" ->
            mirror(filter.getRequestMirror(), at + ".requestMirror", refs).ifPresent(mirrors::add);
        case "RequestRedirect" -> {
          if (redirect.isPresent()) {
            throw new InvalidConfigException(at + ": RequestRedirect is given twice");
          }
          redirect = Optional.of(redirect(filter, at + ".requestRedirect", matches));
        }
        case "URLRewrite" -> {
          if (rewrite.isPresent()) {
            throw new InvalidConfigException(at + ": URLRewrite is given twice");
          }
          rewrite = Optional.of(rewrite(filter, at + ".urlRewrite", matches));
        }
        default ->
            throw new InvalidConfigException(
                Problem.UNSUPPORTED,
                at
                    + ".type "
                    + type
                    + " is not implemented by Outrigger: refused rather than ignored");
      }
    }
    List<HTTPBackendRef> specRefs = r.getBackendRefs() == null ? List.of() : r.getBackendRefs();
    if (redirect.isPresent() && (!specRefs.isEmpty() || rewrite.isPresent())) {
      throw new InvalidConfigException(
          where + ": a RequestRedirect cannot be combined with backendRefs or URLRewrite");
    }
    List<RouteDestination> backends = new ArrayList<>();
    List<HttpRouteConfig.BackendFilters> backendFilters = new ArrayList<>();
    for (int b = 0; b < specRefs.size(); b++) {
      String at = where + ".backendRefs[" + b + "]";
      backends.add(backend(specRefs.get(b), at, refs));
      backendFilters.add(backendFilters(specRefs.get(b), at));
    }
    Duration request = Duration.ZERO;
    Duration backendRequest = Duration.ZERO;
    if (r.getTimeouts() != null) {
      request = duration(r.getTimeouts().getRequest(), where + ".timeouts.request");
      backendRequest =
          duration(r.getTimeouts().getBackendRequest(), where + ".timeouts.backendRequest");
      if (!request.isZero() && backendRequest.compareTo(request) > 0) {
        throw new InvalidConfigException(
            where
                + ".timeouts: backendRequest "
                + r.getTimeouts().getBackendRequest()
                + " is longer than request "
                + r.getTimeouts().getRequest());
      }
    }
    return new HttpRouteConfig.Rule(
        r.getName(),
        matches,
        backends,
        backendFilters,
        request,
        backendRequest,
        requestHeaders,
        responseHeaders,
        mirrors,
        redirect,
        rewrite);
  }

  private static Match match(HTTPRouteMatch m, String where) throws InvalidConfigException {
    StringMatch path = StringMatch.prefix("/");
    if (m.getPath() != null) {
      String type = orDefault(m.getPath().getType(), "PathPrefix");
      String value = orDefault(m.getPath().getValue(), "/");
      if (!value.startsWith("/")) {
        throw new InvalidConfigException(where + ".path.value \"" + value + "\" must start with /");
      }
      path =
          switch (type) {
            case "Exact" -> StringMatch.exact(value);
            case "PathPrefix" -> {
              if (value.contains("//") || value.contains("?") || value.contains("#")) {
                throw new InvalidConfigException(
                    where + ".path.value \"" + value + "\" must not contain //, ? or #");
              }
              yield StringMatch.prefix(value);
            }
            case "RegularExpression" -> {
              HttpMatchConverter.checkRegex(value, where + ".path");
              yield StringMatch.regex(value);
            }
            default ->
                throw new InvalidConfigException(
                    Problem.UNSUPPORTED, where + ".path.type " + type + " is not supported");
          };
    }
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (m.getHeaders() != null) {
      for (int h = 0; h < m.getHeaders().size(); h++) {
        HTTPHeaderMatch header = m.getHeaders().get(h);
        String at = where + ".headers[" + h + "]";
        String name = required(header.getName(), at + ".name").toLowerCase(Locale.ROOT);
        // The spec: a name given twice (case-insensitively) counts once, the first wins.
        headers.putIfAbsent(name, value(header.getType(), header.getValue(), at));
      }
    }
    Map<String, StringMatch> queryParams = new LinkedHashMap<>();
    if (m.getQueryParams() != null) {
      for (int q = 0; q < m.getQueryParams().size(); q++) {
        HTTPQueryParamMatch param = m.getQueryParams().get(q);
        String at = where + ".queryParams[" + q + "]";
        queryParams.putIfAbsent(
            required(param.getName(), at + ".name"), value(param.getType(), param.getValue(), at));
      }
    }
    return new Match(path, headers, queryParams, m.getMethod());
  }

  private static StringMatch value(String type, String value, String where)
      throws InvalidConfigException {
    String v = required(value, where + ".value");
    return switch (orDefault(type, "Exact")) {
      case "Exact" -> StringMatch.exact(v);
      case "RegularExpression" -> {
        HttpMatchConverter.checkRegex(v, where);
        yield StringMatch.regex(v);
      }
      default ->
          throw new InvalidConfigException(
              Problem.UNSUPPORTED, where + ".type " + type + " is not supported");
    };
  }

  /** A header modifier of a filter list, which the spec allows once per list. */
  private static HeaderOperations once(
      HeaderOperations already, HTTPHeaderFilter f, String at, String field)
      throws InvalidConfigException {
    if (!already.isEmpty()) {
      throw new InvalidConfigException(at + ": " + field + " is given twice in one filter list");
    }
    return headers(f, at + "." + field);
  }

  private static HeaderOperations headers(HTTPHeaderFilter f, String where)
      throws InvalidConfigException {
    if (f == null) {
      throw new InvalidConfigException(where + " is missing");
    }
    Map<String, String> set = new LinkedHashMap<>();
    Map<String, String> add = new LinkedHashMap<>();
    for (HTTPHeader h : f.getSet() == null ? List.<HTTPHeader>of() : f.getSet()) {
      set.put(
          required(h.getName(), where + ".set[].name").toLowerCase(Locale.ROOT),
          orDefault(h.getValue(), ""));
    }
    for (HTTPHeader h : f.getAdd() == null ? List.<HTTPHeader>of() : f.getAdd()) {
      add.put(
          required(h.getName(), where + ".add[].name").toLowerCase(Locale.ROOT),
          orDefault(h.getValue(), ""));
    }
    List<String> remove =
        f.getRemove() == null
            ? List.of()
            : f.getRemove().stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    return new HeaderOperations(set, add, remove);
  }

  private static HttpRouteConfig.Redirect redirect(
      HTTPRouteFilter filter, String where, List<Match> matches) throws InvalidConfigException {
    var r = filter.getRequestRedirect();
    if (r == null) {
      throw new InvalidConfigException(where + " is missing");
    }
    int code = r.getStatusCode() == null ? 302 : r.getStatusCode();
    if (!REDIRECT_CODES.contains(code)) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED, where + ".statusCode " + code + " is not one of " + REDIRECT_CODES);
    }
    String scheme = r.getScheme() == null ? "" : r.getScheme();
    if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidConfigException(where + ".scheme must be http or https, not " + scheme);
    }
    return new HttpRouteConfig.Redirect(
        scheme,
        r.getHostname(),
        r.getPort() == null ? 0 : r.getPort(),
        pathModifier(r.getPath(), where + ".path", matches),
        code);
  }

  private static HttpRouteConfig.Rewrite rewrite(
      HTTPRouteFilter filter, String where, List<Match> matches) throws InvalidConfigException {
    var r = filter.getUrlRewrite();
    if (r == null) {
      throw new InvalidConfigException(where + " is missing");
    }
    return new HttpRouteConfig.Rewrite(
        r.getHostname(), pathModifier(r.getPath(), where + ".path", matches));
  }

  private static PathModifier pathModifier(HTTPPathModifier p, String where, List<Match> matches)
      throws InvalidConfigException {
    if (p == null) {
      return null;
    }
    String type = orDefault(p.getType(), "");
    return switch (type) {
      case "ReplaceFullPath" ->
          new PathModifier(true, required(p.getReplaceFullPath(), where + ".replaceFullPath"));
      case "ReplacePrefixMatch" -> {
        // The spec: only with PathPrefix matches, since it replaces what the prefix matched.
        if (matches.stream().anyMatch(m -> m.path().kind() != StringMatch.Kind.PREFIX)) {
          throw new InvalidConfigException(
              where + ": ReplacePrefixMatch needs every match of the rule to be a PathPrefix");
        }
        yield new PathModifier(
            false, required(p.getReplacePrefixMatch(), where + ".replacePrefixMatch"));
      }
      default -> throw new InvalidConfigException(where + ".type " + type + " is not supported");
    };
  }

  private static Optional<HttpRoutePolicy.Mirror> mirror(
      HTTPRequestMirrorFilter f, String where, Refs refs) throws InvalidConfigException {
    if (f == null || f.getBackendRef() == null) {
      throw new InvalidConfigException(where + ".backendRef is missing");
    }
    double percent = 100;
    if (f.getPercent() != null) {
      percent = f.getPercent();
    } else if (f.getFraction() != null) {
      int denominator =
          f.getFraction().getDenominator() == null ? 100 : f.getFraction().getDenominator();
      if (denominator <= 0 || f.getFraction().getNumerator() == null) {
        throw new InvalidConfigException(
            where + ".fraction needs a numerator and a positive denominator");
      }
      percent = 100.0 * f.getFraction().getNumerator() / denominator;
    }
    if (percent < 0 || percent > 100) {
      throw new InvalidConfigException(where + ": the mirrored share must be within 0..100 %");
    }
    BackendObjectReference ref = f.getBackendRef();
    RouteDestination d =
        resolve(
            ref.getGroup(),
            ref.getKind(),
            ref.getName(),
            ref.getNamespace(),
            ref.getPort(),
            1,
            where + ".backendRef",
            refs);
    // A mirror that does not resolve mirrors nothing; the status says why.
    return d.host().isEmpty()
        ? Optional.empty()
        : Optional.of(new HttpRoutePolicy.Mirror(d, percent));
  }

  /** A backendRef's own filters: the header modifiers; any other type is refused by name. */
  private static HttpRouteConfig.BackendFilters backendFilters(HTTPBackendRef ref, String where)
      throws InvalidConfigException {
    HeaderOperations request = HeaderOperations.NONE;
    HeaderOperations response = HeaderOperations.NONE;
    List<HTTPRouteFilter> filters = ref.getFilters() == null ? List.of() : ref.getFilters();
    for (int f = 0; f < filters.size(); f++) {
      HTTPRouteFilter filter = filters.get(f);
      String at = where + ".filters[" + f + "]";
      String type = filter.getType() == null ? "" : filter.getType();
      switch (type) {
        case "RequestHeaderModifier" ->
            request = once(request, filter.getRequestHeaderModifier(), at, "requestHeaderModifier");
        case "ResponseHeaderModifier" ->
            response =
                once(response, filter.getResponseHeaderModifier(), at, "responseHeaderModifier");
        default ->
            throw new InvalidConfigException(
                Problem.UNSUPPORTED,
                at
                    + ".type "
                    + type
                    + " is not implemented by Outrigger on a backendRef: refused rather than"
                    + " ignored");
      }
    }
    return request.isEmpty() && response.isEmpty()
        ? HttpRouteConfig.BackendFilters.NONE
        : new HttpRouteConfig.BackendFilters(request, response);
  }

  private static RouteDestination backend(HTTPBackendRef ref, String where, Refs refs)
      throws InvalidConfigException {
    int weight = ref.getWeight() == null ? 1 : ref.getWeight();
    if (weight < 0 || weight > 1_000_000) {
      throw new InvalidConfigException(
          Problem.WEIGHTS, where + ".weight " + weight + " is out of 0..1000000");
    }
    return resolve(
        ref.getGroup(),
        ref.getKind(),
        ref.getName(),
        ref.getNamespace(),
        ref.getPort(),
        weight,
        where,
        refs);
  }

  /**
   * A backend as a destination; one that does not resolve has an empty host, and its reason
   * ("Reason: message") is added to {@code unresolved}.
   */
  private static RouteDestination resolve(
      String group,
      String kind,
      String name,
      String refNamespace,
      Integer port,
      int weight,
      String where,
      Refs refs)
      throws InvalidConfigException {
    String namespace = refs.namespace();
    MeshLookup mesh = refs.mesh();
    List<String> unresolved = refs.unresolved();
    String k = orDefault(kind, "Service");
    String g = orDefault(group, "");
    String n = required(name, where + ".name");
    String ns = orDefault(refNamespace, namespace);
    RouteDestination invalid = new RouteDestination("", "", 0, weight);
    if (!k.equals("Service") || !g.isEmpty()) {
      unresolved.add(
          "InvalidKind: "
              + where
              + ": "
              + (g.isEmpty() ? "" : g + "/")
              + k
              + " is not a supported backend kind");
      return invalid;
    }
    String host = Hostnames.fqdn(n, ns);
    // Without ReferenceGrants (not read yet), another namespace's Service is allowed only when it
    // is a parent of the route: a consumer route sending its own clients to the Service it shapes.
    if (!ns.equals(namespace) && !refs.parentHosts().contains(host)) {
      unresolved.add(
          "RefNotPermitted: "
              + where
              + ": Service "
              + ns
              + "/"
              + n
              + " is in another namespace and not a parent of the route (ReferenceGrant is not supported)");
      return invalid;
    }
    if (port == null) {
      throw new InvalidConfigException(where + ".port is required for a Service backend");
    }
    if (mesh == null || (!mesh.complete() && mesh.service(host).isEmpty())) {
      return new RouteDestination(host, "", port, weight);
    }
    Optional<Service> service = mesh.service(host);
    if (service.isEmpty()) {
      unresolved.add("BackendNotFound: " + where + ": Service " + ns + "/" + n + " does not exist");
      return invalid;
    }
    if (service.get().port(port).isEmpty()) {
      unresolved.add(
          "BackendNotFound: " + where + ": Service " + ns + "/" + n + " has no port " + port);
      return invalid;
    }
    return new RouteDestination(host, "", port, weight);
  }

  /** A Gateway API Duration ("1h", "500ms", "1m30s"); "0s" or none is zero (no timeout). */
  static Duration duration(String value, String where) throws InvalidConfigException {
    if (value == null || value.isEmpty()) {
      return Duration.ZERO;
    }
    if (!DURATION.matcher(value).matches()) {
      throw new InvalidConfigException(
          where + " \"" + value + "\" is not a Gateway API duration (like 10s, 500ms, 1m30s)");
    }
    Duration total = Duration.ZERO;
    Matcher part = DURATION_PART.matcher(value);
    while (part.find()) {
      long n = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
              });
    }
    return total;
  }

  private static String required(String value, String where) throws InvalidConfigException {
    if (value == null || value.isEmpty()) {
      throw new InvalidConfigException(where + " is missing");
    }
    return value;
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }
}
