package io.outrigger.cli;

import io.outrigger.certs.cli.CaCommand;
import io.outrigger.cli.check.CheckCommand;
import io.outrigger.cli.manifest.ManifestCommand;
import io.outrigger.cni.cli.CaptureCommand;
import io.outrigger.cni.cli.CniCommand;
import io.outrigger.controlplane.cli.AnalyzeCommand;
import io.outrigger.controlplane.cli.BootstrapCommand;
import io.outrigger.controlplane.cli.ControlPlaneCommand;
import io.outrigger.controlplane.cli.DashboardCommand;
import io.outrigger.controlplane.cli.ProxyConfigCommand;
import io.outrigger.controlplane.cli.ProxyStatusCommand;
import io.outrigger.controlplane.cli.RevisionCommand;
import io.outrigger.controlplane.cli.TokenCommand;
import io.outrigger.hostmode.cli.DemoCommand;
import io.outrigger.hostmode.cli.MeshCommand;
import io.outrigger.injector.cli.InjectCommand;
import io.outrigger.injector.cli.WebhookCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code outrigger} command: one jar, a subcommand per component. */
@Command(
    name = "outrigger",
    mixinStandardHelpOptions = true,
    versionProvider = Outrigger.Version.class,
    description =
        "A sidecar service mesh: Envoy sidecars, an xDS control plane, a chained CNI plugin.",
    subcommands = {
      CommandLine.HelpCommand.class,
      CaCommand.class,
      ControlPlaneCommand.class,
      RevisionCommand.class,
      BootstrapCommand.class,
      TokenCommand.class,
      InjectCommand.class,
      WebhookCommand.class,
      ManifestCommand.class,
      CniCommand.class,
      CaptureCommand.class,
      ProxyStatusCommand.class,
      ProxyConfigCommand.class,
      AnalyzeCommand.class,
      CheckCommand.class,
      DashboardCommand.class,
      MeshCommand.class,
      DemoCommand.class
    })
public final class Outrigger implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  // Inherited, so it may follow the subcommand: "outrigger inject -f x.yaml --stacktrace".
  @CommandLine.Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "On a failure, also print the Java stack trace (or set "
              + CommandErrors.STACKTRACE_ENV
              + "=1).")
  boolean stacktrace;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command tree, shared by {@link #main} and the tests, with the one error policy of every
   * subcommand.
   */
  public static CommandLine commandLine() {
    return commandLine(System.getenv(CommandErrors.STACKTRACE_ENV));
  }

  /**
   * @param stacktraceEnv the value of {@code OUTRIGGER_STACKTRACE} (tests pass their own)
   */
  static CommandLine commandLine(String stacktraceEnv) {
    return commandLine(stacktraceEnv, System.getenv());
  }

  /**
   * @param env the environment of the commands that read one (the host-mode state root, PATH,
   *     CNI_PATH): a subcommand with a public {@code (Map<String, String> env)} constructor is made
   *     with it
   */
  static CommandLine commandLine(String stacktraceEnv, Map<String, String> env) {
    Outrigger outrigger = new Outrigger();
    CommandErrors errors =
        new CommandErrors(
            () -> outrigger.stacktrace || CommandErrors.stackTracesRequested(stacktraceEnv));
    return new CommandLine(outrigger, new EnvFactory(env))
        .setExecutionExceptionHandler(errors)
        .setParameterExceptionHandler(errors);
  }

  /** picocli's factory, except that commands reading the environment get {@code env}. */
  private record EnvFactory(Map<String, String> env) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        return type.getConstructor(Map.class).newInstance(env);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(type);
      }
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "a subcommand is required: " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Reads the version Maven wrote into the jar at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"outrigger " + version()};
    }

    static String version() {
      try (InputStream in = Outrigger.class.getResourceAsStream("/outrigger-version.properties")) {
        if (in == null) {
          throw new IllegalStateException("outrigger-version.properties is missing from the jar");
        }
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read outrigger-version.properties", e);
      }
    }
  }
}
