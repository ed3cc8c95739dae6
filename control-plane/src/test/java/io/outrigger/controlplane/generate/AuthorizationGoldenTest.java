package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.Goldens;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.controlplane.testing.ProductpageGoldens;
import io.outrigger.controlplane.testing.TestSecrets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The RBAC filters AuthorizationPolicies put on a proxy's inbound side, one golden per scenario
 * shape (only the virtualInbound listener: the rest is the bookinfo goldens'), each full config
 * accepted by the real {@code envoy --mode validate}. Policies are in src/test/resources/authz/.
 */
class AuthorizationGoldenTest {
  @TempDir static Path tmp;
  static List<? extends Message> secrets;

  @BeforeAll
  static void secrets() throws Exception {
    secrets =
        TestSecrets.create(
            Files.createDirectory(tmp.resolve("secrets")),
            "spiffe://cluster.local/ns/default/sa/bookinfo-ratings");
  }

  @ParameterizedTest(name = "{0} on {1}")
  @CsvSource({
    "http-deny-path, ratings-v1", // DENY paths with prefix/suffix wildcards, notMethods
    "http-allow-get, ratings-v1", // ALLOW methods, hosts, ports; grpc port 9090 gets it too
    "http-allow-principal, ratings-v1", // ALLOW one principal with header and namespace conditions;
    // AUDIT
    "tcp-deny-port, mongodb-v1", // TCP: DENY drops its HTTP field, ALLOW drops the HTTP rule
    "tcp-allow-namespace, mongodb-v1", // mesh-wide policy with selector, namespaces with wildcard
    "http-jwt, ratings-v1", // RequestAuthentication + ALLOW on requestPrincipals and a claim
    "http-jwks-uri, ratings-v1", // jwksUri to a service, an https host, an address; params, cookies
  })
  void matchesGoldenAndEnvoyAcceptsIt(String scenario, String workload) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(scenario));
    MeshFixtures.copyBookinfo(dir);
    try (InputStream policy = getClass().getResourceAsStream("/authz/" + scenario + ".yaml")) {
      Files.copy(policy, dir.resolve("authz.yaml"));
    }
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.authorizationPolicies()).isNotEmpty();
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow());

    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy);

    VersionedResource inbound = resources.listeners().get(ResourceNames.VIRTUAL_INBOUND);
    Goldens.assertMatches(
        "authz/" + scenario + ".json",
        Goldens.render(
            new ProxyResources(Map.of(ProxyResources.LISTENER, Map.of(inbound.name(), inbound)))));
    ProductpageGoldens.validate(secrets, resources);
  }
}
