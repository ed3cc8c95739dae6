package io.outrigger.controlplane.model;

import io.outrigger.controlplane.model.HttpRoutePolicy.HeaderOperations;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated Gateway API HTTPRoute bound to the mesh (GAMMA): the Services it is attached to, its
 * rules in written order, and the status each of its parentRefs earns. The route applies to
 * requests for an attached Service port; whether it applies to a given client (producer or consumer
 * route) is the generator's question, as is the order of matches across routes.
 *
 * @param generation {@code metadata.generation} the status was computed for
 * @param created {@code metadata.creationTimestamp} (older routes win ties); {@link Instant#EPOCH}
 *     when unknown
 * @param attachments the Service ports the route applies to (accepted parentRefs only)
 * @param parents one status per parentRef of kind Service, in written order
 */
public record HttpRouteConfig(
    String namespace,
    String name,
    long generation,
    Instant created,
    List<Attachment> attachments,
    List<Rule> rules,
    List<ParentStatus> parents) {
  public HttpRouteConfig {
    created = created == null ? Instant.EPOCH : created;
    attachments = List.copyOf(attachments);
    rules = List.copyOf(rules);
    parents = List.copyOf(parents);
  }

  /**
   * True when the route is in the namespace of the service at {@code host}: it applies to every
   * client (a producer route), not only to clients of its own namespace (a consumer route).
   */
  public boolean producerOf(String serviceNamespace) {
    return namespace.equals(serviceNamespace);
  }

  /**
   * A Service (by FQDN) and port this route is attached to; port 0 is every port of the Service.
   */
  public record Attachment(String host, String serviceNamespace, int port) {
    public boolean covers(String otherHost, int otherPort) {
      return host.equals(otherHost) && (port == 0 || port == otherPort);
    }
  }

  /**
   * One match of a rule: every condition must hold. {@code path} null is "every path"; PathPrefix
   * is element-wise (Gateway API), so {@code /v2} does not match {@code /v2x}. Header names are
   * lowercase; query parameter names as written (they are case sensitive).
   */
  public record Match(
      StringMatch path,
      Map<String, StringMatch> headers,
      Map<String, StringMatch> queryParams,
      String method) {
    public Match {
      headers = Map.copyOf(headers);
      queryParams = Map.copyOf(queryParams);
      method = method == null ? "" : method;
    }

    public static Match any() {
      return new Match(StringMatch.prefix("/"), Map.of(), Map.of(), "");
    }
  }

  /**
   * One rule. {@code backends} are weighted destinations; one with an empty host is a backendRef
   * that does not resolve (its share of requests gets a 500, as the Gateway API says). A rule with
   * a redirect has no backends. {@code backendFilters} holds the filters of each backend, in the
   * same order. Durations zero are "not set".
   */
  public record Rule(
      String name,
      List<Match> matches,
      List<RouteDestination> backends,
      List<BackendFilters> backendFilters,
      Duration requestTimeout,
      Duration backendRequestTimeout,
      HeaderOperations requestHeaders,
      HeaderOperations responseHeaders,
      List<HttpRoutePolicy.Mirror> mirrors,
      Optional<Redirect> redirect,
      Optional<Rewrite> rewrite) {
    public Rule {
      name = name == null ? "" : name;
      matches = List.copyOf(matches);
      backends = List.copyOf(backends);
      backendFilters = List.copyOf(backendFilters);
      if (backendFilters.size() != backends.size()) {
        throw new IllegalArgumentException("one BackendFilters per backend");
      }
      requestTimeout = requestTimeout == null ? Duration.ZERO : requestTimeout;
      backendRequestTimeout = backendRequestTimeout == null ? Duration.ZERO : backendRequestTimeout;
      requestHeaders = requestHeaders == null ? HeaderOperations.NONE : requestHeaders;
      responseHeaders = responseHeaders == null ? HeaderOperations.NONE : responseHeaders;
      mirrors = List.copyOf(mirrors);
    }
  }

  /**
   * The header filters of one backendRef (its {@code filters}), applied only to the requests sent
   * to it and their responses; {@link #NONE} when it has none.
   */
  public record BackendFilters(HeaderOperations requestHeaders, HeaderOperations responseHeaders) {
    public static final BackendFilters NONE =
        new BackendFilters(HeaderOperations.NONE, HeaderOperations.NONE);

    public boolean isEmpty() {
      return requestHeaders.isEmpty() && responseHeaders.isEmpty();
    }
  }

  /** How a path is modified: the whole path, or the part the rule's PathPrefix matched. */
  public record PathModifier(boolean replaceFullPath, String value) {}

  /**
   * RequestRedirect; empty strings, port 0 and a null path keep the request's value. {@code
   * statusCode} 301, 302 (the default), 303, 307 or 308.
   */
  public record Redirect(
      String scheme, String hostname, int port, PathModifier path, int statusCode) {
    public Redirect {
      scheme = scheme == null ? "" : scheme;
      hostname = hostname == null ? "" : hostname;
    }
  }

  /** URLRewrite; an empty hostname and a null path keep the request's value. */
  public record Rewrite(String hostname, PathModifier path) {
    public Rewrite {
      hostname = hostname == null ? "" : hostname;
    }
  }

  /** A status condition of one parentRef, as the Gateway API names them. */
  public record Condition(String type, boolean status, String reason, String message) {}

  /**
   * The status of one parentRef as written (namespace resolved, port 0 when not written) and its
   * conditions (Accepted, ResolvedRefs).
   */
  public record ParentStatus(
      String group,
      String kind,
      String namespace,
      String name,
      int port,
      List<Condition> conditions) {
    public ParentStatus {
      conditions = List.copyOf(conditions);
    }

    public Optional<Condition> condition(String type) {
      return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }
  }
}
