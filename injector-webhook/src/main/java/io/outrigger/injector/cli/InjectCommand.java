package io.outrigger.injector.cli;

import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.NativeSidecarMode;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.injector.offline.ManifestInjector;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outrigger inject -f FILE}: prints the manifest with sidecars, like istioctl kube-inject.
 */
@Command(
    name = "inject",
    mixinStandardHelpOptions = true,
    description =
        "Inject the Envoy sidecar into Pods and workload pod templates of a YAML manifest.")
public final class InjectCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      description = "Manifest to inject (multi-document YAML); - for standard input.")
  String file;

  @Option(names = "--config", description = "Injector config (YAML).")
  Path config;

  @Option(names = "--revision", description = "Control plane revision to inject for.")
  String revision;

  @Option(names = "--native-sidecar", description = "auto, on or off (default: from the config).")
  String nativeSidecar;

  @Option(
      names = "--api-server-version",
      description =
          "Kubernetes version the manifest is for, major.minor (for --native-sidecar auto).")
  String apiServerVersion;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    InjectorConfig settings = WebhookCommand.loadConfig(config, revision);
    if (nativeSidecar != null || apiServerVersion != null) {
      settings =
          settings.withNativeSidecar(
              nativeSidecar == null
                  ? settings.nativeSidecar()
                  : NativeSidecarMode.parse(nativeSidecar),
              apiServerVersion == null ? settings.apiServerVersion() : apiServerVersion);
    }
    String source = file.equals("-") ? "(standard input)" : file;
    String manifest;
    try {
      manifest =
          file.equals("-")
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("manifest " + source + ": cannot read", e);
    }
    ManifestInjector injector =
        new ManifestInjector(new SidecarInjector(settings, new SidecarBootstrap()));
    ManifestInjector.Output output;
    try {
      output = injector.inject(manifest);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      // The injector sees text only; the command knows which file it came from.
      throw new IllegalArgumentException("manifest " + source + ": " + e.getMessage(), e);
    }
    spec.commandLine().getOut().print(output.yaml());
    spec.commandLine().getOut().flush();
    output.notes().forEach(note -> err.println("outrigger inject: " + note));
    err.flush();
    return 0;
  }
}
