package io.outrigger.controlplane.registry.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.istio.api.api.security.v1beta1.JWTHeader;
import io.fabric8.istio.api.api.security.v1beta1.JWTRule;
import io.fabric8.istio.api.security.v1.RequestAuthentication;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Istio RequestAuthentication to {@link RequestAuthenticationConfig}. Fields the sidecar would not
 * honour are refused: a token source it does not read would make valid callers look anonymous.
 */
public final class RequestAuthenticationConverter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestAuthenticationConverter() {}

  public static RequestAuthenticationConfig convert(RequestAuthentication object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    String name = object.getMetadata().getName();
    if (spec == null) {
      return new RequestAuthenticationConfig(namespace, name, Map.of(), List.of());
    }
    SecurityFields.unknown("spec", spec.getAdditionalProperties());
    if (spec.getTargetRef() != null
        || (spec.getTargetRefs() != null && !spec.getTargetRefs().isEmpty())) {
      throw SecurityFields.notSupported(
          "spec.targetRef(s)", "sidecars are selected with spec.selector");
    }
    Map<String, String> selector =
        spec.getSelector() == null || spec.getSelector().getMatchLabels() == null
            ? Map.of()
            : spec.getSelector().getMatchLabels();
    List<RequestAuthenticationConfig.JwtRule> rules = new ArrayList<>();
    List<JWTRule> written = spec.getJwtRules() == null ? List.of() : spec.getJwtRules();
    for (int i = 0; i < written.size(); i++) {
      rules.add(rule(written.get(i), "spec.jwtRules[" + i + "]"));
    }
    return new RequestAuthenticationConfig(namespace, name, selector, rules);
  }

  private static RequestAuthenticationConfig.JwtRule rule(JWTRule r, String path)
      throws InvalidConfigException {
    if (r == null || r.getIssuer() == null || r.getIssuer().isBlank()) {
      throw new InvalidConfigException(path + ".issuer: required");
    }
    SecurityFields.unknown(path, r.getAdditionalProperties());
    if (r.getJwksUri() != null && !r.getJwksUri().isBlank()) {
      throw SecurityFields.notSupported(path + ".jwksUri", "give the key set inline in jwks");
    }
    if (r.getJwks() == null || r.getJwks().isBlank()) {
      throw new InvalidConfigException(path + ".jwks: required (the JSON Web Key Set, inline)");
    }
    try {
      JsonNode keys = JSON.readTree(r.getJwks()).path("keys");
      if (!keys.isArray() || keys.isEmpty()) {
        throw new InvalidConfigException(path + ".jwks: not a JSON Web Key Set (no \"keys\")");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidConfigException(path + ".jwks: not JSON: " + e.getOriginalMessage());
    }
    notEmpty(path + ".fromParams", r.getFromParams(), "read the token from headers");
    notEmpty(path + ".fromCookies", r.getFromCookies(), "read the token from headers");
    notEmpty(
        path + ".outputClaimToHeaders", r.getOutputClaimToHeaders(), "use outputPayloadToHeader");
    notEmpty(path + ".spaceDelimitedClaims", r.getSpaceDelimitedClaims(), "no claim splitting");
    if (r.getTimeout() != null) {
      throw SecurityFields.notSupported(
          path + ".timeout", "it applies to jwksUri fetches, and jwks is inline");
    }
    List<RequestAuthenticationConfig.TokenHeader> headers = new ArrayList<>();
    List<JWTHeader> fromHeaders = r.getFromHeaders() == null ? List.of() : r.getFromHeaders();
    for (int i = 0; i < fromHeaders.size(); i++) {
      JWTHeader h = fromHeaders.get(i);
      if (h == null || h.getName() == null || h.getName().isBlank()) {
        throw new InvalidConfigException(path + ".fromHeaders[" + i + "].name: required");
      }
      SecurityFields.unknown(path + ".fromHeaders[" + i + "]", h.getAdditionalProperties());
      headers.add(new RequestAuthenticationConfig.TokenHeader(h.getName(), h.getPrefix()));
    }
    String payloadHeader =
        r.getOutputPayloadToHeader() == null || r.getOutputPayloadToHeader().isBlank()
            ? null
            : r.getOutputPayloadToHeader();
    return new RequestAuthenticationConfig.JwtRule(
        r.getIssuer(),
        r.getJwks(),
        r.getAudiences() == null ? List.of() : r.getAudiences(),
        Boolean.TRUE.equals(r.getForwardOriginalToken()),
        headers,
        payloadHeader);
  }

  private static void notEmpty(String path, List<?> values, String why)
      throws InvalidConfigException {
    if (values != null && !values.isEmpty()) {
      throw SecurityFields.notSupported(path, why);
    }
  }
}
