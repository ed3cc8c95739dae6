package io.outrigger.controlplane.registry.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigValidation;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values of the implemented route and traffic policies that Envoy cannot honour are refused with
 * the field.
 */
class PolicyValidationTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir static Path dir;
  static MeshConfig mesh;

  @BeforeAll
  static void load() {
    mesh = MeshFixtures.bookinfo(dir);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{retries: {attempts: 2, retryOn: '5xx,sometimes'}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].retries.retryOn: \"sometimes\" is not an Envoy retry condition or an HTTP status code",
        "{retries: {attempts: -1}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].retries.attempts: -1 is negative",
        "{fault: {abort: {httpStatus: 503, percentage: {value: 150}}}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].fault.abort.percentage: 150.0 is not in 0..100",
        "{fault: {delay: {exponentialDelay: 1s}}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].fault.delay: only fixedDelay is supported",
        "{redirect: {uri: /x}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0]: redirect cannot be combined with route, mirror or rewrite",
        "{redirect: {uri: /x, redirectCode: 399}}|http[0].redirect.redirectCode: 399 is not 301, 302, 303, 307 or 308",
        "{headers: {request: {set: {':path': /x}}}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].headers.request: header \":path\" cannot be changed",
        "{mirror: {host: reviews, subset: v9}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].mirror: unknown subset \"v9\" of host reviews",
        "{match: [{uri: {regex: '/a.*'}}], rewrite: {uri: /b}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].rewrite.uri: not supported with a uri regex match",
        "{corsPolicy: {allowMethods: [GET]}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].corsPolicy: allowOrigins is empty, so it would allow no origin",
        "{corsPolicy: {allowOrigins: [{exact: a}], unmatchedPreflights: IGNORE}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|spec.http[0].corsPolicy.unmatchedPreflights is not implemented",
        "{directResponse: {status: 503}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0]: directResponse cannot be combined with route, redirect, mirror or rewrite",
        "{directResponse: {status: 99}}|http[0].directResponse.status: 99 is not in 200..599",
        "{rewrite: {uri: /a, uriRegexRewrite: {match: '^/b', rewrite: /c}}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].rewrite: uri and uriRegexRewrite cannot both be set",
        "{rewrite: {uriRegexRewrite: {match: '(?=x)', rewrite: /c}}, route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].rewrite.uriRegexRewrite.match: regex \"(?=x)\" uses lookaround",
        "{match: [{withoutHeaders: {X-User: {exact: a}}}], route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].match[0].withoutHeaders: header name \"X-User\" must be lowercase",
        "{match: [{withoutHeaders: {x-user: {regex: '(?!a)'}}}], route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].match[0].withoutHeaders.x-user: regex \"(?!a)\" uses lookaround",
        "{match: [{gateways: ['']}], route: [{destination: {host: ratings, port: {number: 9080}}}]}"
            + "|http[0].match[0].gateways: a gateway name is empty",
        "{delegate: {name: ratings-delegate}}|http[0].delegate is not supported by Outrigger yet",
        "{retries: {attempts: 0}, route: [{destination: {host: ratings, port: {number: 9080}}}], mirror: {host: ratings}, mirrors: [{destination: {host: ratings}}]}"
            + "|http[0]: mirror and mirrors cannot both be set",
        "{route: [{destination: {host: ratings, port: {number: 9080}}, headers: {request: {set: {a: b}}}}]}"
            + "|spec.http[0].route[0].headers is not implemented by Outrigger",
      })
  void virtualServiceRouteValuesAreChecked(String rule, String reason) throws Exception {
    var object =
        YAML.readTree(
            """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: default}
                spec: {hosts: [ratings], http: [%s]}
                """
                .formatted(rule));

    assertThat(ConfigValidation.refuse(object, "default", mesh))
        .hasValueSatisfying(r -> assertThat(r).contains(reason));
  }

  /** Istio does not apply sourceSubnet to sidecars: refused with that reason, not ignored. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{tcp: [{match: [{sourceSubnet: 198.18.40.0/24}], route: [{destination: {host: ratings, port: {number: 9080}}}]}]}"
            + "|tcp[0].match[0].sourceSubnet is not supported: Istio does not apply it to sidecars",
        "{tcp: [{match: [{sourceLabels: {app: ''}}], route: [{destination: {host: ratings, port: {number: 9080}}}]}]}|",
        "{tls: [{match: [{sniHosts: [a.example], sourceNamespace: other, gateways: [mesh]}], route: [{destination: {host: ratings, port: {number: 9080}}}]}]}|",
      })
  void virtualServiceL4ClientConditionsAreChecked(String routes, String reason) throws Exception {
    var object =
        YAML.readTree(
            """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: default}
                spec: {hosts: [ratings], %s}
                """
                .formatted(routes.substring(1, routes.length() - 1)));

    if (reason == null) {
      assertThat(ConfigValidation.refuse(object, "default", mesh)).isEmpty();
    } else {
      assertThat(ConfigValidation.refuse(object, "default", mesh))
          .hasValueSatisfying(r -> assertThat(r).contains(reason));
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{connectionPool: {tcp: {maxConnections: 0}}}|spec.trafficPolicy.connectionPool.tcp.maxConnections: 0 must be at least 1",
        "{outlierDetection: {maxEjectionPercent: 101}}|spec.trafficPolicy.outlierDetection.maxEjectionPercent: 101 is not in 0..100",
        "{outlierDetection: {interval: soon}}|spec.trafficPolicy.outlierDetection.interval: \"soon\" is not a duration",
        "{loadBalancer: {simple: PASSTHROUGH}}|spec.trafficPolicy.loadBalancer.simple PASSTHROUGH is not supported",
        "{loadBalancer: {consistentHash: {httpHeaderName: ''}}}|spec.trafficPolicy.loadBalancer.consistentHash: the hash key is empty",
        "{loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 7}}}}|spec.trafficPolicy.loadBalancer.consistentHash.maglev is not implemented",
        "{portLevelSettings: [{port: {number: 9080}, tls: {mode: DISABLE}}]}|spec.trafficPolicy.portLevelSettings[0].tls is not implemented",
        "{portLevelSettings: [{connectionPool: {tcp: {maxConnections: 1}}}]}|spec.trafficPolicy.portLevelSettings[0].port.number is missing",
        "{outlierDetection: {consecutiveLocalOriginFailures: 3}}|spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures is not implemented",
      })
  void destinationRulePolicyValuesAreChecked(String policy, String reason) throws Exception {
    var object =
        YAML.readTree(
            """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings, namespace: default}
                spec: {host: ratings, trafficPolicy: %s}
                """
                .formatted(policy));

    assertThat(ConfigValidation.refuse(object, "default", mesh))
        .hasValueSatisfying(r -> assertThat(r).contains(reason));
  }
}
