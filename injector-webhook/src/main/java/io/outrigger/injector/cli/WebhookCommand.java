package io.outrigger.injector.cli;

import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.webhook.WebhookManifest;
import io.outrigger.injector.webhook.WebhookServer;
import io.outrigger.injector.webhook.WebhookSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outrigger webhook}: the HTTPS admission webhook that injects sidecars. */
@Command(
    name = "webhook",
    mixinStandardHelpOptions = true,
    description = "Serve the sidecar injection admission webhook over HTTPS.",
    subcommands = WebhookCommand.Manifest.class)
public final class WebhookCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "15017",
      description = "HTTPS port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--address",
      defaultValue = "0.0.0.0",
      description = "Listen address (default: ${DEFAULT-VALUE}).")
  String address;

  @Spec CommandSpec spec;

  // Not picocli-required: "webhook manifest" must run without them.
  @Option(
      names = "--tls-cert",
      description = "Serving certificate chain (PEM); reloaded when it changes.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Serving key (PEM, PKCS#8 or PKCS#1 RSA).")
  Path tlsKey;

  @Option(names = "--revision", description = "Control plane revision this webhook serves.")
  String revision;

  @Option(names = "--config", description = "Injector config (YAML).")
  Path config;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (tlsCert == null || tlsKey == null) {
      throw new ParameterException(
          spec.commandLine(),
          "the webhook serves HTTPS only: --tls-cert and --tls-key are required");
    }
    if (port < 0 || port > 65535) {
      throw new ParameterException(
          spec.commandLine(), "--port " + port + ": must be 0..65535 (0 picks a free port)");
    }
    InetSocketAddress listen = new InetSocketAddress(address, port);
    if (listen.isUnresolved()) {
      throw new ParameterException(
          spec.commandLine(),
          "--address '" + address + "': not an IP address or a name this host resolves");
    }
    WebhookSettings settings =
        WebhookSettings.of(listen, tlsCert, tlsKey, loadConfig(config, revision));
    CountDownLatch stopped = new CountDownLatch(1);
    try (WebhookServer server = start(settings)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "webhook-shutdown"));
      spec.commandLine()
          .getOut()
          .println(
              "outrigger webhook: serving https://"
                  + address
                  + ":"
                  + server.address().getPort()
                  + "/inject");
      spec.commandLine().getOut().flush();
      stopped.await();
    }
    return 0;
  }

  /** Starts the server; a port that cannot be bound is named by its option. */
  private WebhookServer start(WebhookSettings settings) throws IOException {
    try {
      return WebhookServer.start(settings);
    } catch (BindException e) {
      String reason =
          e.getCause() == null || e.getCause().getMessage() == null
              ? e.getMessage()
              : e.getCause().getMessage();
      throw (BindException)
          new BindException(
                  "--port "
                      + port
                      + ": cannot listen on "
                      + address
                      + ":"
                      + port
                      + ": "
                      + Character.toLowerCase(reason.charAt(0))
                      + reason.substring(1))
              .initCause(e);
    }
  }

  static InjectorConfig loadConfig(Path file, String revision) {
    InjectorConfig config = file == null ? InjectorConfig.defaults() : InjectorConfig.load(file);
    return revision == null ? config : config.withRevision(revision);
  }

  /** {@code outrigger webhook manifest}: the webhook configurations of a revision, or of a tag. */
  @Command(
      name = "manifest",
      mixinStandardHelpOptions = true,
      description =
          "Print the MutatingWebhookConfiguration that sends pod CREATE to the webhook and the "
              + "ValidatingWebhookConfiguration that sends Istio config to /validate, for one revision "
              + "(with --tag: the tag's MutatingWebhookConfiguration, pointing at the revision).")
  public static final class Manifest implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
        names = "--ca-bundle",
        description =
            "PEM file of the CA that signed the webhook's certificate; "
                + "leave it out when the control plane of the revision writes it (it does, with --kubeconfig or --in-cluster).")
    Path caBundle;

    @Option(
        names = "--service",
        description =
            "Service name (default: outrigger for revision default, "
                + "outrigger-REVISION otherwise).")
    String service;

    @Option(
        names = "--namespace",
        defaultValue = "outrigger-system",
        description = "Control plane namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(
        names = "--revision",
        defaultValue = "default",
        description = "Revision (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(
        names = "--tag",
        description = "Render the configuration of this tag, pointing at --revision.")
    String tag;

    @Option(
        names = "--port",
        defaultValue = "443",
        description = "Service port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
        names = "--url",
        description =
            "Reach the webhook at this base URL (https://HOST:PORT) instead of a "
                + "Service, e.g. a control plane outside the cluster.")
    String url;

    @Override
    public Integer call() {
      String pem = "";
      try {
        if (caBundle != null) {
          pem = Files.readString(caBundle, StandardCharsets.US_ASCII);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("CA bundle " + caBundle + ": cannot read", e);
      }
      if (url != null && !url.startsWith("https://")) {
        throw new ParameterException(
            spec.commandLine(),
            "--url '"
                + url
                + "': the API server calls webhooks "
                + "over HTTPS only (https://HOST:PORT)");
      }
      WebhookManifest.Target target =
          url != null
              ? new WebhookManifest.UrlTarget(url)
              : new WebhookManifest.ServiceTarget(
                  service != null ? service : InjectorConfig.serviceName(revision),
                  namespace,
                  port);
      WebhookManifest.Settings settings =
          new WebhookManifest.Settings(
              pem, target, namespace, revision, java.util.Optional.empty());
      String manifest;
      try {
        WebhookManifest renderer = new WebhookManifest();
        manifest =
            tag != null ? renderer.render(settings.forTag(tag)) : renderer.renderAll(settings);
      } catch (IllegalArgumentException e) {
        // The renderer sees PEM text only; the command knows which file it came from.
        throw new IllegalArgumentException("CA bundle " + caBundle + ": " + e.getMessage(), e);
      }
      spec.commandLine().getOut().print(manifest);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
