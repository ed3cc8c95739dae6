package io.outrigger.controlplane.registry.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigValidation;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the validating webhook (and so the registries, analyze and syncz, which share the converter)
 * says about AuthorizationPolicies: every field the sidecar would not enforce is refused with its
 * path and reason.
 */
class AuthorizationPolicyConverterTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theIstioTaskPoliciesAreAccepted() {
    assertThat(
            refuse(
                """
                selector: {matchLabels: {app: httpbin}}
                action: DENY
                rules:
                - from: [{source: {notNamespaces: [foo], ipBlocks: [198.18.0.0/15, 198.18.1.1], requestPrincipals: ["*"]}}]
                  to: [{operation: {methods: [GET], paths: ["/headers*", "*/ip"], ports: ["8000"]}}]
                  when: [{key: "request.headers[x-token]", notValues: [admin]}, {key: source.ip, values: [198.18.0.1]},
                         {key: "request.auth.claims[groups]", values: [group1]}]
                """))
        .isEmpty();
    assertThat(refuse("{}")).as("deny-all").isEmpty();
    assertThat(refuse("rules: [{}]")).as("allow-all").isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "action: CUSTOM|spec.action CUSTOM is not supported by Outrigger yet: no external authorization provider",
        "'rules: [{from: [{source: {requestPrincipals: [nobody]}}]}]'"
            + "|spec.rules[0].from[0].source.requestPrincipals \"nobody\": must be ISS/SUB, ISS/*, *SUFFIX or *",
        "'rules: [{from: [{source: {remoteIpBlocks: [198.18.0.1]}}]}]'"
            + "|spec.rules[0].from[0].source.remoteIpBlocks is not supported by Outrigger yet: sidecars trust no X-Forwarded-For; use ipBlocks",
        "'rules: [{when: [{key: ''connection.sni'', values: [x]}]}]'"
            + "|spec.rules[0].when[0].key \"connection.sni\" is not supported by Outrigger yet: the keys are request.headers[NAME], request.auth.claims[NAME], source.ip, source.namespace, source.principal, destination.port",
        "'rules: [{to: [{operation: {ports: [http]}}]}]'|spec.rules[0].to[0].operation.ports \"http\": not a port number",
        "'rules: [{to: [{operation: {paths: [\"/a/{*}/b\"]}}]}]'"
            + "|spec.rules[0].to[0].operation.paths \"/a/{*}/b\" is not supported by Outrigger yet: path templates ({*}, {**})",
        "'rules: [{to: [{operation: {paths: [\"/a*b\"]}}]}]'"
            + "|spec.rules[0].to[0].operation.paths \"/a*b\": '*' is allowed only as a whole value, a prefix or a suffix",
        "'rules: [{from: [{source: {ipBlocks: [203.0.113.0/33]}}]}]'"
            + "|spec.rules[0].from[0].source.ipBlocks \"203.0.113.0/33\": not an IP address or CIDR block",
        "'rules: [{from: [{source: {}}]}]'|spec.rules[0].from[0].source: must set at least one field",
        "'rules: [{when: [{key: source.namespace}]}]'|spec.rules[0].when[0]: values or notValues required",
        "'rules: [{to: [{operation: {method: [GET]}}]}]'|spec.rules[0].to[0].operation.method: unknown field",
        "'targetRef: {kind: Gateway, name: gw}'"
            + "|spec.targetRef(s) is not supported by Outrigger yet: sidecars are selected with spec.selector",
      })
  void fieldsTheSidecarWouldNotEnforceAreRefusedWithTheirPath(String spec, String reason) {
    assertThat(refuse(spec)).contains(reason);
  }

  @Test
  void
      requestAuthenticationWithAnInlineOrRemoteKeySetIsAcceptedAndWhatTheSidecarWouldNotReadIsRefused() {
    String rule = "jwtRules: [{issuer: i, jwks: '{\"keys\": [{\"kty\": \"RSA\"}]}', %s}]";
    assertThat(
            refuse(
                "RequestAuthentication",
                rule.formatted(
                    "audiences: [a], forwardOriginalToken: true, fromHeaders: [{name: x-jwt, prefix: 'Bearer '}]")))
        .isEmpty();
    String remote = "jwtRules: [{issuer: i, jwksUri: '%s'}]";
    assertThat(
            refuse(
                "RequestAuthentication",
                "jwtRules: [{issuer: i, jwksUri: 'https://203.0.113.7/jwks', timeout: 2s,"
                    + " fromParams: [token], fromCookies: [t],"
                    + " outputClaimToHeaders: [{header: x-g, claim: group}]}]"))
        .isEmpty();
    assertThat(refuse("RequestAuthentication", remote.formatted("ftp://keys.example/jwks")))
        .contains(
            "spec.jwtRules[0].jwksUri: \"ftp://keys.example/jwks\" is not an http or https URL");
    assertThat(refuse("RequestAuthentication", remote.formatted("https:///jwks")))
        .contains("spec.jwtRules[0].jwksUri: \"https:///jwks\" has no host");
    assertThat(refuse("RequestAuthentication", "jwtRules: [{issuer: i}]"))
        .hasValueSatisfying(
            reason ->
                assertThat(reason).startsWith("spec.jwtRules[0]: jwks or jwksUri is required"));
    assertThat(refuse("RequestAuthentication", rule.formatted("spaceDelimitedClaims: [scope]")))
        .contains(
            "spec.jwtRules[0].spaceDelimitedClaims is not supported by Outrigger yet: no claim splitting");
    assertThat(refuse("RequestAuthentication", "jwtRules: [{issuer: i, jwks: 'not json'}]"))
        .hasValueSatisfying(
            reason -> assertThat(reason).startsWith("spec.jwtRules[0].jwks: not JSON"));
    assertThat(refuse("RequestAuthentication", "jwtRules: [{jwks: '{}'}]"))
        .contains("spec.jwtRules[0].issuer: required");
  }

  private static Optional<String> refuse(String spec) {
    return refuse("AuthorizationPolicy", spec);
  }

  private static Optional<String> refuse(String kind, String spec) {
    try {
      JsonNode object =
          YAML.readTree(
              """
                    apiVersion: security.istio.io/v1
                    kind: %s
                    metadata: {name: p, namespace: default}
                    spec:
                    """
                      .formatted(kind)
                  + spec.indent(2));
      return ConfigValidation.refuse(object, "default", MeshConfig.empty());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
