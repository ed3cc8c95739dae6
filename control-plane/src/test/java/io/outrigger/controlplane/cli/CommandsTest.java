package io.outrigger.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.controlplane.server.RawAdsClient;
import io.outrigger.controlplane.server.TestRegistry;
import io.outrigger.controlplane.xds.XdsTypes;
import io.outrigger.testsupport.EnvoyValidator;
import io.outrigger.testsupport.Prerequisites;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The three commands as a user runs them, in process: {@code control-plane} serves generated config
 * over TLS to a caller proving itself with a {@code token}; {@code bootstrap} prints what {@code
 * envoy --mode validate} accepts.
 */
class CommandsTest {
  @TempDir static Path work;
  static TestRegistry registry;

  @BeforeAll
  static void registry() throws Exception {
    registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write(
        "mesh.yaml",
        TestRegistry.service("shop", "cart", "198.19.0.20", 8080)
            + TestRegistry.workload("shop", "cart-1", "cart", "cart", 8080)
            + TestRegistry.service("shop", "web", "198.19.0.21", 80)
            + TestRegistry.workload("shop", "web-1", "web", "web", 8000));
  }

  static Result run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(command)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {}

  /** The CA directory a control plane made, which is where tokens are minted from. */
  private static Path tokenCa() {
    Path caDir = work.resolve("token-ca");
    MeshCa.loadOrInit(caDir, CaSettings.defaults());
    return caDir;
  }

  @Test
  void tokenIsAcceptedByTheHostModeVerifierAsItsIdentity() throws Exception {
    Path caDir = tokenCa();
    Result r =
        run(
            new TokenCommand(),
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ttl",
            "10m",
            "--ca-dir",
            caDir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    WorkloadIdentity id =
        HostModeTokens.loadOrInit(caDir, ControlPlaneSettings.HOST_MODE_ISSUER)
            .verifier(List.of(ControlPlaneSettings.TOKEN_AUDIENCE))
            .authenticate(r.out().strip());
    assertThat(id).isEqualTo(new WorkloadIdentity("shop", "web"));
  }

  @Test
  void tokenWritesTheTokenAloneSoEnvoyCanSendIt() throws Exception {
    Path caDir = tokenCa();
    Result printed =
        run(
            new TokenCommand(),
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ca-dir",
            caDir.toString());
    assertThat(printed.out())
        .as("stdout is no terminal here: 'token > file' must not add a line break")
        .doesNotContain("\n")
        .isNotEmpty();

    Path file = work.resolve("web-token");
    Result written =
        run(
            new TokenCommand(),
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ca-dir",
            caDir.toString(),
            "--output",
            file.toString());
    assertThat(written.code()).as(written.err()).isZero();
    assertThat(written.out()).isEmpty();
    String token = Files.readString(file);
    assertThat(token).doesNotContain("\n");
    assertThat(
            HostModeTokens.loadOrInit(caDir, ControlPlaneSettings.HOST_MODE_ISSUER)
                .verifier(List.of(ControlPlaneSettings.TOKEN_AUDIENCE))
                .authenticate(token))
        .isEqualTo(new WorkloadIdentity("shop", "web"));
  }

  @Test
  void bootstrapOfARegistryWorkloadPassesEnvoyValidate() throws Exception {
    Prerequisites.requireEnvoy();
    // Envoy validate opens the files the TLS bootstrap names: give it real ones.
    Path root =
        Files.writeString(work.resolve("root-cert.pem"), "validate checks that the file exists");
    Path token = Files.writeString(work.resolve("token"), "token");
    for (String[] extra :
        List.of(
            new String[] {"--root-cert", root.toString(), "--token-file", token.toString()},
            new String[] {"--plaintext", "--delta", "--control-plane", "127.0.0.1:15010"})) {
      List<String> args =
          new ArrayList<>(
              List.of("--workload", "shop/web-1", "--registry", "file:" + registry.dir()));
      args.addAll(List.of(extra));
      Result r = run(new BootstrapCommand(), args.toArray(String[]::new));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out())
          .contains("sidecar~127.0.0.1~web-1.shop~shop.svc.cluster.local")
          .contains("SERVICE_ACCOUNT: web");
      EnvoyValidator.validateBootstrap(r.out());
    }
  }

  @Test
  void controlPlaneServesGeneratedConfigThatEnvoyAccepts() throws Exception {
    // Not the default outbound policy, to see options reach the generated config.
    Prerequisites.requireEnvoy();
    Path caDir = work.resolve("cp-ca");
    int tls = freePort();
    int monitoring = freePort();
    ControlPlaneCommand command = new ControlPlaneCommand();
    Thread running =
        Thread.ofPlatform()
            .name("control-plane-command")
            .start(
                () ->
                    run(
                        command,
                        "--registry",
                        "file:" + registry.dir(),
                        "--xds-port",
                        "-1",
                        "--xds-tls-port",
                        Integer.toString(tls),
                        "--bind-address",
                        "127.0.0.1",
                        "--monitoring-port",
                        Integer.toString(monitoring),
                        "--ca-dir",
                        caDir.toString(),
                        "--outbound-traffic-policy",
                        "REGISTRY_ONLY"));
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> listening(tls) && listening(monitoring));
      String token =
          run(
                  new TokenCommand(),
                  "--namespace",
                  "shop",
                  "--service-account",
                  "web",
                  "--ca-dir",
                  caDir.toString())
              .out()
              .strip();
      String root = Files.readString(caDir.resolve("root-cert.pem"));
      try (RawAdsClient client =
          new RawAdsClient(tls, root, ControlPlaneSettings.DEFAULT_SERVER_NAME, token)) {
        List<Message> resources = new ArrayList<>();
        List<Cluster> clusters = fetch(client, XdsTypes.CLUSTER, List.of(), Cluster.class);
        List<Listener> listeners = fetch(client, XdsTypes.LISTENER, List.of(), Listener.class);
        resources.addAll(clusters);
        resources.addAll(listeners);
        resources.addAll(
            fetch(
                client,
                XdsTypes.ENDPOINT,
                clusters.stream()
                    .filter(Cluster::hasEdsClusterConfig)
                    .map(Cluster::getName)
                    .toList(),
                ClusterLoadAssignment.class));
        resources.addAll(
            fetch(client, XdsTypes.ROUTE, routeNames(listeners), RouteConfiguration.class));
        resources.addAll(
            fetch(client, XdsTypes.SECRET, List.of("default", "ROOTCA"), Secret.class));

        assertThat(clusters)
            .extracting(Cluster::getName)
            .contains("outbound|8080||cart.shop.svc.cluster.local");
        assertThat(listeners)
            .filteredOn(l -> l.getName().equals("virtualOutbound"))
            .singleElement()
            .extracting(l -> l.getDefaultFilterChain().getName())
            .isEqualTo("BlackHoleCluster");
        // What the control plane serves, EDS/RDS/SDS inlined, is what envoy --mode validate
        // accepts.
        EnvoyValidator.validateResources(resources);
      }
    } finally {
      command.stop();
      running.join(15_000);
    }
    assertThat(running.isAlive()).isFalse();
  }

  static <T extends Message> List<T> fetch(
      RawAdsClient client, String typeUrl, List<String> names, Class<T> type) throws Exception {
    client.request("shop", "web-1", "web", typeUrl, names);
    DiscoveryResponse response = client.next(typeUrl, Duration.ofSeconds(20));
    assertThat(response).as("response of %s", typeUrl).isNotNull();
    List<T> out = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      out.add(any.unpack(type));
    }
    return out;
  }

  /** The RDS names the listeners' HTTP connection managers refer to. */
  static List<String> routeNames(List<Listener> listeners) throws Exception {
    List<String> names = new ArrayList<>();
    for (Listener l : listeners) {
      List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
      if (l.hasDefaultFilterChain()) {
        chains.add(l.getDefaultFilterChain());
      }
      for (FilterChain chain : chains) {
        for (Filter f : chain.getFiltersList()) {
          if (f.getTypedConfig().is(HttpConnectionManager.class)) {
            HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
            if (hcm.hasRds() && !names.contains(hcm.getRds().getRouteConfigName())) {
              names.add(hcm.getRds().getRouteConfigName());
            }
          }
        }
      }
    }
    return names;
  }

  static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
