package io.outrigger.controlplane.registry.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.controlplane.model.ConfigError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a VirtualService, a DestinationRule, a PeerAuthentication, a ServiceEntry and a
 * Sidecar the converters act on (or refuse with their own reason). Any other field that is set
 * makes the registry's assembler refuse the object: a policy its author believes in force must not
 * silently do nothing. Keep it next to the converters: a converter that learns a field lists it
 * here.
 */
public final class ImplementedFields {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Paths read by {@link VirtualServiceConverter} and {@link HttpMatchConverter}; a listed path
   * covers its subtree.
   */
  private static final Set<String> VIRTUAL_SERVICE =
      Set.of(
          "spec.hosts",
          "spec.gateways",
          "spec.exportTo",
          "spec.http[].name",
          "spec.http[].timeout",
          "spec.http[].match[].name",
          "spec.http[].match[].uri",
          "spec.http[].match[].headers",
          "spec.http[].match[].method",
          "spec.http[].match[].authority",
          "spec.http[].match[].scheme",
          "spec.http[].match[].queryParams",
          "spec.http[].match[].ignoreUriCase",
          "spec.http[].match[].port",
          "spec.http[].match[].sourceNamespace",
          "spec.http[].match[].sourceLabels",
          "spec.http[].match[].gateways",
          "spec.http[].match[].withoutHeaders",
          "spec.http[].route[].destination.host",
          "spec.http[].route[].destination.subset",
          "spec.http[].route[].destination.port.number",
          "spec.http[].route[].weight",
          // HttpRoutePolicyConverter
          "spec.http[].retries.attempts",
          "spec.http[].retries.perTryTimeout",
          "spec.http[].retries.retryOn",
          "spec.http[].retries.backoff",
          "spec.http[].retries.retryIgnorePreviousHosts",
          "spec.http[].fault.delay.fixedDelay",
          "spec.http[].fault.delay.percentage.value",
          "spec.http[].fault.delay.percent",
          "spec.http[].fault.abort.httpStatus",
          "spec.http[].fault.abort.percentage.value",
          "spec.http[].headers.request.set",
          "spec.http[].headers.request.add",
          "spec.http[].headers.request.remove",
          "spec.http[].headers.response.set",
          "spec.http[].headers.response.add",
          "spec.http[].headers.response.remove",
          "spec.http[].mirror.host",
          "spec.http[].mirror.subset",
          "spec.http[].mirror.port.number",
          "spec.http[].mirrorPercentage.value",
          "spec.http[].mirrorPercent",
          "spec.http[].mirrors[].destination.host",
          "spec.http[].mirrors[].destination.subset",
          "spec.http[].mirrors[].destination.port.number",
          "spec.http[].mirrors[].percentage.value",
          "spec.http[].rewrite.uri",
          "spec.http[].rewrite.authority",
          "spec.http[].rewrite.uriRegexRewrite.match",
          "spec.http[].rewrite.uriRegexRewrite.rewrite",
          "spec.http[].directResponse.status",
          "spec.http[].directResponse.body.string",
          "spec.http[].directResponse.body.bytes",
          "spec.http[].redirect.uri",
          "spec.http[].redirect.authority",
          "spec.http[].redirect.scheme",
          "spec.http[].redirect.port",
          "spec.http[].redirect.redirectCode",
          "spec.http[].corsPolicy.allowOrigins",
          "spec.http[].corsPolicy.allowOrigin",
          "spec.http[].corsPolicy.allowMethods",
          "spec.http[].corsPolicy.allowHeaders",
          "spec.http[].corsPolicy.exposeHeaders",
          "spec.http[].corsPolicy.maxAge",
          "spec.http[].corsPolicy.allowCredentials",
          // L4RouteConverter
          "spec.tcp[].match[].port",
          "spec.tcp[].match[].destinationSubnets",
          "spec.tcp[].match[].sourceLabels",
          "spec.tcp[].match[].sourceNamespace",
          "spec.tcp[].match[].gateways",
          "spec.tcp[].route[].destination.host",
          "spec.tcp[].route[].destination.subset",
          "spec.tcp[].route[].destination.port.number",
          "spec.tcp[].route[].weight",
          "spec.tls[].match[].port",
          "spec.tls[].match[].sniHosts",
          "spec.tls[].match[].destinationSubnets",
          "spec.tls[].match[].sourceLabels",
          "spec.tls[].match[].sourceNamespace",
          "spec.tls[].match[].gateways",
          "spec.tls[].route[].destination.host",
          "spec.tls[].route[].destination.subset",
          "spec.tls[].route[].destination.port.number",
          "spec.tls[].route[].weight",
          // refused with an error by the converters, so not "ignored"
          "spec.tcp[].match[].sourceSubnet",
          "spec.http[].delegate",
          "spec.http[].redirect.derivePort",
          "spec.http[].fault.delay.exponentialDelay",
          "spec.http[].fault.abort.grpcStatus",
          "spec.http[].fault.abort.http2Error");

  /**
   * The fields of a trafficPolicy read by {@link TrafficPolicyConverter}, below one of its places.
   */
  private static final List<String> TRAFFIC_POLICY =
      List.of(
          "connectionPool.tcp.maxConnections",
          "connectionPool.tcp.connectTimeout",
          "connectionPool.http.http1MaxPendingRequests",
          "connectionPool.http.http2MaxRequests",
          "connectionPool.http.maxRequestsPerConnection",
          "connectionPool.http.maxRetries",
          "connectionPool.http.idleTimeout",
          "outlierDetection.consecutive5xxErrors",
          "outlierDetection.consecutiveGatewayErrors",
          "outlierDetection.interval",
          "outlierDetection.baseEjectionTime",
          "outlierDetection.maxEjectionPercent",
          "outlierDetection.minHealthPercent",
          "loadBalancer.simple",
          "loadBalancer.consistentHash.httpHeaderName",
          "loadBalancer.consistentHash.httpCookie.name",
          "loadBalancer.consistentHash.httpCookie.ttl",
          "loadBalancer.consistentHash.httpCookie.path",
          "loadBalancer.consistentHash.useSourceIp",
          "loadBalancer.consistentHash.httpQueryParameterName",
          "loadBalancer.consistentHash.minimumRingSize");

  /**
   * Paths read by {@link DestinationRuleConverter}; TLS is per rule and per subset, not per port.
   */
  private static final Set<String> DESTINATION_RULE = destinationRule();

  /**
   * Paths read by {@link PeerAuthenticationConverter}; portLevelMtls is keyed by port, so its
   * subtree is read whole.
   */
  private static final Set<String> PEER_AUTHENTICATION =
      Set.of("spec.selector.matchLabels", "spec.mtls.mode", "spec.portLevelMtls");

  /** Paths read by {@link ServiceEntryConverter}; an endpoint's ports and labels are maps. */
  private static final Set<String> SERVICE_ENTRY =
      Set.of(
          "spec.hosts",
          "spec.addresses",
          "spec.ports[].number",
          "spec.ports[].protocol",
          "spec.ports[].name",
          "spec.ports[].targetPort",
          "spec.location",
          "spec.resolution",
          "spec.endpoints[].address",
          "spec.endpoints[].ports",
          "spec.endpoints[].labels",
          "spec.endpoints[].serviceAccount",
          "spec.workloadSelector.labels",
          "spec.exportTo");

  /**
   * Paths read by {@link SidecarConverter}; ingress {@code tls}, an egress {@code bind} and {@code
   * captureMode: NONE} are refused there with their own reasons.
   */
  private static final Set<String> SIDECAR = sidecar();

  /**
   * Paths read by {@link HttpRouteConverter}. A route for Gateways only is not checked (it converts
   * to nothing).
   */
  private static final Set<String> HTTP_ROUTE =
      Set.of(
          "spec.parentRefs",
          "spec.rules[].name",
          "spec.rules[].matches[].path.type",
          "spec.rules[].matches[].path.value",
          "spec.rules[].matches[].headers[].name",
          "spec.rules[].matches[].headers[].type",
          "spec.rules[].matches[].headers[].value",
          "spec.rules[].matches[].queryParams[].name",
          "spec.rules[].matches[].queryParams[].type",
          "spec.rules[].matches[].queryParams[].value",
          "spec.rules[].matches[].method",
          // any other filter type is refused by the converter, naming it
          "spec.rules[].filters[].type",
          "spec.rules[].filters[].requestHeaderModifier.set",
          "spec.rules[].filters[].requestHeaderModifier.add",
          "spec.rules[].filters[].requestHeaderModifier.remove",
          "spec.rules[].filters[].responseHeaderModifier.set",
          "spec.rules[].filters[].responseHeaderModifier.add",
          "spec.rules[].filters[].responseHeaderModifier.remove",
          "spec.rules[].filters[].requestRedirect.scheme",
          "spec.rules[].filters[].requestRedirect.hostname",
          "spec.rules[].filters[].requestRedirect.port",
          "spec.rules[].filters[].requestRedirect.statusCode",
          "spec.rules[].filters[].requestRedirect.path.type",
          "spec.rules[].filters[].requestRedirect.path.replaceFullPath",
          "spec.rules[].filters[].requestRedirect.path.replacePrefixMatch",
          "spec.rules[].filters[].urlRewrite.hostname",
          "spec.rules[].filters[].urlRewrite.path.type",
          "spec.rules[].filters[].urlRewrite.path.replaceFullPath",
          "spec.rules[].filters[].urlRewrite.path.replacePrefixMatch",
          "spec.rules[].filters[].requestMirror.backendRef.group",
          "spec.rules[].filters[].requestMirror.backendRef.kind",
          "spec.rules[].filters[].requestMirror.backendRef.name",
          "spec.rules[].filters[].requestMirror.backendRef.namespace",
          "spec.rules[].filters[].requestMirror.backendRef.port",
          "spec.rules[].filters[].requestMirror.percent",
          "spec.rules[].filters[].requestMirror.fraction.numerator",
          "spec.rules[].filters[].requestMirror.fraction.denominator",
          "spec.rules[].backendRefs[].group",
          "spec.rules[].backendRefs[].kind",
          "spec.rules[].backendRefs[].name",
          "spec.rules[].backendRefs[].namespace",
          "spec.rules[].backendRefs[].port",
          "spec.rules[].backendRefs[].weight",
          // types other than the header modifiers are refused by the converter, naming them
          "spec.rules[].backendRefs[].filters[].type",
          "spec.rules[].backendRefs[].filters[].requestHeaderModifier.set",
          "spec.rules[].backendRefs[].filters[].requestHeaderModifier.add",
          "spec.rules[].backendRefs[].filters[].requestHeaderModifier.remove",
          "spec.rules[].backendRefs[].filters[].responseHeaderModifier.set",
          "spec.rules[].backendRefs[].filters[].responseHeaderModifier.add",
          "spec.rules[].backendRefs[].filters[].responseHeaderModifier.remove",
          "spec.rules[].timeouts.request",
          "spec.rules[].timeouts.backendRequest");

  /**
   * By kind name (ConfigKinds' names; not imported, so this package does not depend on the
   * registry).
   */
  private static final Map<String, Set<String>> BY_KIND =
      Map.of(
          "ServiceEntry",
          SERVICE_ENTRY,
          "Sidecar",
          SIDECAR,
          "VirtualService",
          VIRTUAL_SERVICE,
          "DestinationRule",
          DESTINATION_RULE,
          "PeerAuthentication",
          PEER_AUTHENTICATION,
          "HTTPRoute",
          HTTP_ROUTE);

  private ImplementedFields() {}

  private static Set<String> sidecar() {
    Set<String> paths =
        new HashSet<>(
            List.of(
                "spec.workloadSelector.labels",
                "spec.egress[].hosts",
                "spec.egress[].port.number",
                "spec.egress[].port.protocol",
                "spec.egress[].port.name",
                "spec.egress[].bind",
                "spec.egress[].captureMode",
                "spec.ingress[].port.number",
                "spec.ingress[].port.protocol",
                "spec.ingress[].port.name",
                "spec.ingress[].defaultEndpoint",
                "spec.ingress[].bind",
                "spec.ingress[].captureMode",
                "spec.ingress[].tls",
                "spec.outboundTrafficPolicy.mode",
                "spec.outboundTrafficPolicy.egressProxy.host",
                "spec.outboundTrafficPolicy.egressProxy.subset",
                "spec.outboundTrafficPolicy.egressProxy.port.number"));
    for (String field : TRAFFIC_POLICY) {
      if (field.startsWith("connectionPool.")) {
        paths.add("spec.inboundConnectionPool." + field.substring("connectionPool.".length()));
        paths.add("spec.ingress[]." + field);
      }
    }
    return Set.copyOf(paths);
  }

  private static Set<String> destinationRule() {
    Set<String> paths =
        new HashSet<>(
            List.of(
                "spec.host",
                "spec.exportTo",
                "spec.trafficPolicy.tls.mode",
                "spec.subsets[].name",
                "spec.subsets[].labels",
                "spec.subsets[].trafficPolicy.tls.mode"));
    for (String policy : List.of("spec.trafficPolicy", "spec.subsets[].trafficPolicy")) {
      paths.add(policy + ".portLevelSettings[].port.number");
      for (String field : TRAFFIC_POLICY) {
        paths.add(policy + "." + field);
        paths.add(policy + ".portLevelSettings[]." + field);
      }
    }
    return Set.copyOf(paths);
  }

  /**
   * Refuses {@code resource} when a field is set that no converter reads, naming every such field.
   *
   * @throws InvalidConfigException (UNSUPPORTED) "spec.http[0].mirror is not implemented by
   *     Outrigger ..."
   */
  public static void requireImplemented(String kind, Object resource)
      throws InvalidConfigException {
    List<String> fields = unimplemented(kind, resource);
    if (!fields.isEmpty()) {
      throw new InvalidConfigException(
          ConfigError.Problem.UNSUPPORTED,
          String.join(", ", fields)
              + (fields.size() == 1 ? " is" : " are")
              + " not implemented by Outrigger: refused rather than silently ignored");
    }
  }

  /**
   * The fields of {@code resource} (a parsed fabric8 object of {@code kind}) that are set and that
   * no converter reads, as paths with indexes ({@code spec.http[0].retries}); empty for kinds read
   * whole. Fields unknown to the Istio API (a typo) are listed too: the parser keeps them as extra
   * properties.
   */
  public static List<String> unimplemented(String kind, Object resource) {
    Set<String> known = BY_KIND.get(kind);
    if (known == null) {
      return List.of();
    }
    JsonNode tree = JSON.valueToTree(resource);
    List<String> out = new ArrayList<>();
    walk(tree.path("spec"), "spec", "spec", known, out);
    return out;
  }

  /**
   * {@code pattern} is the path without indexes ("spec.http[].retries"), {@code path} with them.
   */
  private static void walk(
      JsonNode node, String pattern, String path, Set<String> known, List<String> out) {
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        walk(node.get(i), pattern + "[]", path + "[" + i + "]", known, out);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String childPattern = pattern + "." + field.getKey();
      String childPath = path + "." + field.getKey();
      if (isUnset(field.getValue()) || known.contains(childPattern)) {
        continue;
      }
      if (known.stream()
          .anyMatch(k -> k.startsWith(childPattern + ".") || k.startsWith(childPattern + "[]"))) {
        walk(field.getValue(), childPattern, childPath, known, out);
      } else {
        out.add(childPath);
      }
    }
  }

  private static boolean isUnset(JsonNode value) {
    return value.isNull() || value.isMissingNode() || (value.isContainerNode() && value.isEmpty());
  }
}
