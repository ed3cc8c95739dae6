package io.outrigger.controlplane.registry.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.istio.api.api.security.v1beta1.ClaimToHeader;
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
      rules.add(rule(written.get(i), "spec.jwtRules[" + i + "]", namespace));
    }
    return new RequestAuthenticationConfig(namespace, name, selector, rules);
  }

  private static RequestAuthenticationConfig.JwtRule rule(JWTRule r, String path, String namespace)
      throws InvalidConfigException {
    if (r == null || r.getIssuer() == null || r.getIssuer().isBlank()) {
      throw new InvalidConfigException(path + ".issuer: required");
    }
    SecurityFields.unknown(path, r.getAdditionalProperties());
    boolean inline = r.getJwks() != null && !r.getJwks().isBlank();
    boolean remote = r.getJwksUri() != null && !r.getJwksUri().isBlank();
    if (!inline && !remote) {
      throw new InvalidConfigException(
          path
              + ": jwks or jwksUri is required (the JSON Web Key Set, inline or where to fetch it)");
    }
    if (inline) {
      requireKeySet(r.getJwks(), path + ".jwks");
    }
    // As Istio documents: with both, the inline set is used.
    RequestAuthenticationConfig.RemoteJwks fetched =
        inline ? null : JwksUris.parse(r.getJwksUri(), r.getTimeout(), path, namespace);
    notEmpty(path + ".spaceDelimitedClaims", r.getSpaceDelimitedClaims(), "no claim splitting");
    List<RequestAuthenticationConfig.ClaimToHeader> claims = new ArrayList<>();
    var claimHeaders =
        r.getOutputClaimToHeaders() == null
            ? List.<ClaimToHeader>of()
            : r.getOutputClaimToHeaders();
    for (int i = 0; i < claimHeaders.size(); i++) {
      ClaimToHeader c = claimHeaders.get(i);
      String at = path + ".outputClaimToHeaders[" + i + "]";
      if (c == null || c.getHeader() == null || c.getHeader().isBlank()) {
        throw new InvalidConfigException(at + ".header: required");
      }
      if (c.getClaim() == null || c.getClaim().isBlank()) {
        throw new InvalidConfigException(at + ".claim: required");
      }
      SecurityFields.unknown(at, c.getAdditionalProperties());
      claims.add(new RequestAuthenticationConfig.ClaimToHeader(c.getHeader(), c.getClaim()));
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
        inline ? r.getJwks() : null,
        fetched,
        r.getAudiences() == null ? List.of() : r.getAudiences(),
        Boolean.TRUE.equals(r.getForwardOriginalToken()),
        headers,
        names(path + ".fromParams", r.getFromParams()),
        names(path + ".fromCookies", r.getFromCookies()),
        claims,
        payloadHeader);
  }

  private static void requireKeySet(String jwks, String path) throws InvalidConfigException {
    try {
      JsonNode keys = JSON.readTree(jwks).path("keys");
      if (!keys.isArray() || keys.isEmpty()) {
        throw new InvalidConfigException(path + ": not a JSON Web Key Set (no \"keys\")");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidConfigException(path + ": not JSON: " + e.getOriginalMessage());
    }
  }

  private static List<String> names(String path, List<String> written)
      throws InvalidConfigException {
    List<String> out = written == null ? List.of() : written;
    for (String name : out) {
      if (name == null || name.isBlank()) {
        throw new InvalidConfigException(path + ": a name is empty");
      }
    }
    return out;
  }

  private static void notEmpty(String path, List<?> values, String why)
      throws InvalidConfigException {
    if (values != null && !values.isEmpty()) {
      throw SecurityFields.notSupported(path, why);
    }
  }
}
